"""A Chainer-style GAN through the ``chainer`` alias: a StandardUpdater subclass driving two
optimizers (``{'gen': ..., 'dis': ...}``) on a toy 2-D problem, with trainer snapshots."""
import numpy

REAL_MEAN = numpy.array([2.0, -1.0], numpy.float32)


def _script(chainer):
    import chainer.functions as F
    import chainer.links as L

    class Generator(chainer.Chain):
        def __init__(self, n_z=2, n_hidden=16):
            super(Generator, self).__init__()
            self.n_z = n_z
            with self.init_scope():
                self.l1 = L.Linear(n_z, n_hidden)
                self.l2 = L.Linear(n_hidden, 2)

        def make_noise(self, n):
            return numpy.random.normal(size=(n, self.n_z)).astype(numpy.float32)

        def forward(self, z):
            return self.l2(F.relu(self.l1(z)))

    class Discriminator(chainer.Chain):
        def __init__(self, n_hidden=16):
            super(Discriminator, self).__init__()
            with self.init_scope():
                self.l1 = L.Linear(2, n_hidden)
                self.l2 = L.Linear(n_hidden, 1)

        def forward(self, x):
            return self.l2(F.leaky_relu(self.l1(x)))

    class GANUpdater(chainer.training.updaters.StandardUpdater):
        def __init__(self, *args, **kwargs):
            self.gen, self.dis = kwargs.pop('models')
            super(GANUpdater, self).__init__(*args, **kwargs)

        def dis_loss(self, y_real, y_fake):
            n = len(y_real)
            loss = (F.sum(F.softplus(-y_real)) + F.sum(F.softplus(y_fake))) / n
            chainer.report({'loss': loss}, self.dis)
            return loss

        def gen_loss(self, y_fake):
            loss = F.sum(F.softplus(-y_fake)) / len(y_fake)
            chainer.report({'loss': loss}, self.gen)
            return loss

        def update_core(self):
            batch = self.get_iterator('main').next()
            x_real = self.converter(batch, self.device)
            z = self.device.send(self.gen.make_noise(len(batch)))
            x_fake = self.gen(z)
            y_real, y_fake = self.dis(x_real), self.dis(x_fake)
            self.get_optimizer('dis').update(self.dis_loss, y_real, y_fake)
            self.get_optimizer('gen').update(self.gen_loss, y_fake)

    return Generator, Discriminator, GANUpdater


def _gan_trainer(chainer, out, stop, seed=0):
    from chainer import training
    from chainer.training import extensions
    Generator, Discriminator, GANUpdater = _script(chainer)
    rs = numpy.random.RandomState(seed)
    data = (REAL_MEAN + 0.3 * rs.normal(size=(256, 2))).astype(numpy.float32)
    gen, dis = Generator(), Discriminator()
    opt_gen = chainer.optimizers.Adam(alpha=0.01, beta1=0.5).setup(gen)
    opt_dis = chainer.optimizers.Adam(alpha=0.01, beta1=0.5).setup(dis)
    opt_dis.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    updater = GANUpdater(models=(gen, dis), iterator=chainer.iterators.SerialIterator(data, 32),
                         optimizer={'gen': opt_gen, 'dis': opt_dis}, device=-1)
    trainer = training.Trainer(updater, (stop, 'iteration'), out=out)
    trainer.extend(extensions.LogReport(trigger=(20, 'iteration')))
    trainer.extend(extensions.snapshot(filename='snapshot_iter_{.updater.iteration}.npz'),
                   trigger=(20, 'iteration'))
    trainer.extend(extensions.snapshot_object(gen, 'gen_iter_{.updater.iteration}.npz'),
                   trigger=(20, 'iteration'))
    return trainer, gen, dis


def _params(link):
    return {name: p.array.copy() for name, p in link.namedparams()}


def test_two_optimizer_gan_trains_the_generator_toward_the_data(chainer, tmp_path):
    numpy.random.seed(0)
    trainer, gen, dis = _gan_trainer(chainer, str(tmp_path), 200)
    before = _params(gen)
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        start = gen(gen.make_noise(500)).array.mean(axis=0)
    trainer.run()

    log = trainer.get_extension('LogReport').log
    assert len(log) == 10
    losses = numpy.array([[e['gen/loss'], e['dis/loss']] for e in log])
    assert numpy.isfinite(losses).all()
    assert sorted(trainer.updater.get_all_optimizers()) == ['dis', 'gen']
    assert trainer.updater.get_optimizer('gen').t == 200 == trainer.updater.get_optimizer('dis').t
    after = _params(gen)
    assert all(not numpy.array_equal(before[k], after[k]) for k in before)
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        samples = gen(gen.make_noise(500)).array
    # The generator started near the origin and moved its samples onto the data.
    assert numpy.linalg.norm(start - REAL_MEAN) > 1.5
    assert numpy.linalg.norm(samples.mean(axis=0) - REAL_MEAN) < 0.5

    # Both models can be read back: from the generator's own snapshot, and out of the
    # trainer snapshot by the updater's key layout.
    Generator, Discriminator, _ = _script(chainer)
    g = Generator()
    chainer.serializers.load_npz(str(tmp_path / 'gen_iter_200.npz'), g)
    d = Discriminator()
    chainer.serializers.load_npz(str(tmp_path / 'snapshot_iter_200.npz'), d,
                                 path='updater/model:dis/')
    for name, value in _params(g).items():
        numpy.testing.assert_array_equal(value, after[name])
    for name, value in _params(d).items():
        numpy.testing.assert_array_equal(value, _params(dis)[name])


def test_gan_resumed_from_a_snapshot_matches_an_uninterrupted_run(chainer, tmp_path):
    numpy.random.seed(1)
    straight, gen_a, dis_a = _gan_trainer(chainer, str(tmp_path / 'a'), 60)
    straight.run()

    numpy.random.seed(1)
    first, _, _ = _gan_trainer(chainer, str(tmp_path / 'b'), 40)
    first.run()
    numpy.random.seed(7)  # the snapshot restores the noise generator's state
    resumed, gen_b, dis_b = _gan_trainer(chainer, str(tmp_path / 'b'), 60)
    chainer.serializers.load_npz(str(tmp_path / 'b' / 'snapshot_iter_40.npz'), resumed)
    assert resumed.updater.iteration == 40
    resumed.run()

    for a, b in ((gen_a, gen_b), (dis_a, dis_b)):
        pa, pb = _params(a), _params(b)
        for name in pa:
            numpy.testing.assert_array_equal(pa[name], pb[name], err_msg=name)
    for name in ('gen', 'dis'):
        sa = chainer.serializers.DictionarySerializer()
        sa.save(straight.updater.get_optimizer(name))
        sb = chainer.serializers.DictionarySerializer()
        sb.save(resumed.updater.get_optimizer(name))
        assert sorted(sa.target) == sorted(sb.target)
        for key in sa.target:
            numpy.testing.assert_array_equal(sa.target[key], sb.target[key], err_msg=key)
    assert (straight.get_extension('LogReport').log
            == [dict(e, elapsed_time=s['elapsed_time'])
                for e, s in zip(resumed.get_extension('LogReport').log,
                                straight.get_extension('LogReport').log)])
