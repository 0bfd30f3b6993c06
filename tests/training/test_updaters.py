"""StandardUpdater: one step per update, epochs from the main iterator, serialization, GANs."""
import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import training
from dbr.serializers import DictionarySerializer, NpzDeserializer
from dbr.training.updaters import StandardUpdater, Updater


class _Regression(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(3, 1)

    def forward(self, x, t):
        return F.mean_squared_error(self.l(x), t)


def _data(n=6):
    rs = numpy.random.RandomState(0)
    x = rs.randn(n, 3).astype(numpy.float32)
    t = rs.randn(n, 1).astype(numpy.float32)
    return x, t


def _updater(batch=2, n=6, **kwargs):
    x, t = _data(n)
    model = _Regression()
    optimizer = dbr.optimizers.SGD(lr=0.1).setup(model)
    it = dbr.iterators.SerialIterator(list(zip(x, t)), batch, shuffle=False)
    return StandardUpdater(it, optimizer, **kwargs), model, (x, t)


def test_update_is_one_sgd_step_on_the_next_batch():
    updater, model, (x, t) = _updater()
    W, b = model.l.W.array.copy(), model.l.b.array.copy()
    updater.update()
    xb, tb = x[:2].astype(numpy.float64), t[:2].astype(numpy.float64)
    r = xb @ W.T + b - tb  # d/dW of mean((xW^T + b - t)^2) over the 2x1 batch
    gW = 2 * r.T @ xb / r.size
    gb = 2 * r.sum(0) / r.size
    numpy.testing.assert_allclose(model.l.W.array, W - 0.1 * gW, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(model.l.b.array, b - 0.1 * gb, rtol=1e-5, atol=1e-6)
    assert updater.iteration == 1


def test_epoch_counters_follow_the_main_iterator_and_new_epoch_reaches_the_optimizer():
    updater, _, _ = _updater(batch=4, n=6)
    optimizer = updater.get_optimizer('main')
    details = []
    for _ in range(4):
        updater.update()
        details.append((updater.epoch, updater.epoch_detail, updater.previous_epoch_detail,
                        updater.is_new_epoch, optimizer.epoch))
    assert details == [(0, 4 / 6, 0.0, False, 0), (1, 8 / 6, 4 / 6, True, 1),
                       (2, 2.0, 8 / 6, True, 2), (2, 16 / 6, 2.0, False, 2)]
    assert updater.iteration == 4


def test_auto_new_epoch_false_leaves_the_optimizer_epoch_alone():
    updater, _, _ = _updater(batch=6, auto_new_epoch=False)
    updater.update()
    assert updater.is_new_epoch and updater.get_optimizer('main').epoch == 0


def test_loss_func_and_converter_get_the_batch():
    seen = []

    def converter(batch, device):
        seen.append(('converter', len(batch), device))
        x = numpy.stack([e[0] for e in batch])
        return {'x': x, 't': numpy.stack([e[1] for e in batch])}

    updater, model, _ = _updater(converter=converter, loss_func=None)

    def loss_func(x, t):
        seen.append(('loss', x.shape))
        return model(x, t)

    updater.loss_func = loss_func
    updater.update()
    assert seen == [('converter', 2, None), ('loss', (2, 3))]


def test_plain_function_converters_get_chainer_device_ids():
    got = []

    def converter(batch, device):
        got.append(device)
        return dbr.dataset.concat_examples(batch)

    updater, _, _ = _updater(converter=converter, device='@numpy')
    updater.update()
    assert got == [-1]
    assert updater.device == dbr.get_device('@numpy') == updater.input_device


def test_single_array_batches_are_passed_as_one_argument():
    model = L.Linear(3, 2)
    calls = []

    def loss_func(x):
        calls.append(x.shape)
        return F.sum(model(x))

    optimizer = dbr.optimizers.SGD().setup(model)
    it = dbr.iterators.SerialIterator(numpy.ones((4, 3), numpy.float32), 2)
    StandardUpdater(it, optimizer, loss_func=loss_func).update()
    assert calls == [(2, 3)]


def test_loss_scale_reaches_the_optimizer_and_cancels_out():
    plain, model_a, _ = _updater()
    scaled, model_b, _ = _updater(loss_scale=128.)
    model_b.copyparams(model_a)
    plain.update()
    scaled.update()
    assert scaled.loss_scale == 128.
    numpy.testing.assert_allclose(model_b.l.W.array, model_a.l.W.array, rtol=1e-6)


def test_accessors_and_errors():
    updater, model, _ = _updater()
    assert updater.get_all_optimizers() == {'main': updater.get_optimizer('main')}
    assert updater.get_all_optimizers() is not updater._optimizers
    assert updater.get_iterator('main').batch_size == 2
    assert updater.get_optimizer('main').target is model
    it = updater.get_iterator('main')
    with pytest.raises(ValueError, match="StandardUpdater: the iterators need a 'main' one"):
        StandardUpdater({'train': it}, updater.get_optimizer('main'))
    with pytest.raises(ValueError, match="StandardUpdater: optimizer 'main' has no target"):
        StandardUpdater(it, dbr.optimizers.SGD())


def test_finalize_finalizes_every_iterator():
    finalized = []

    class It(dbr.dataset.Iterator):
        def __init__(self, name):
            self.name = name

        def finalize(self):
            finalized.append(self.name)

    updater, _, _ = _updater()
    updater._iterators = {'main': It('a'), 'sub': It('b')}
    updater.finalize()
    assert finalized == ['a', 'b']


def test_serialize_round_trip_continues_identically():
    a, model_a, _ = _updater(batch=4)
    for _ in range(3):
        a.update()
    s = DictionarySerializer()
    a.serialize(s)
    assert {'iteration', 'iterator:main/epoch', 'model:main/l/W',
            'optimizer:main/t'} <= set(s.target)
    b, model_b, _ = _updater(batch=4)
    b.serialize(NpzDeserializer(s.target))
    assert b.iteration == 3 and b.epoch == a.epoch
    a.update()
    b.update()
    assert numpy.array_equal(model_a.l.W.array, model_b.l.W.array)


def test_gan_style_update_core_with_two_optimizers():
    class GANUpdater(StandardUpdater):
        def update_core(self):
            batch = self.get_iterator('main').next()
            x = self.converter(batch, self.device)
            gen, dis = self.get_optimizer('gen'), self.get_optimizer('dis')
            fake = gen.target(numpy.ones((len(x), 2), numpy.float32))
            loss_dis = F.sum(F.softplus(-dis.target(x))) + F.sum(F.softplus(dis.target(fake)))
            dis.target.cleargrads()
            loss_dis.backward()
            dis.update()
            fake.unchain_backward()
            loss_gen = F.sum(F.softplus(-dis.target(gen.target(
                numpy.ones((len(x), 2), numpy.float32)))))
            gen.target.cleargrads()
            loss_gen.backward()
            gen.update()

    gen, dis = L.Linear(2, 3), L.Linear(3, 1)
    opts = {'gen': dbr.optimizers.Adam().setup(gen), 'dis': dbr.optimizers.Adam().setup(dis)}
    it = dbr.iterators.SerialIterator(numpy.random.randn(8, 3).astype(numpy.float32), 4)
    updater = GANUpdater(it, opts)
    g0, d0 = gen.W.array.copy(), dis.W.array.copy()
    updater.update()
    assert updater.iteration == 1
    assert not numpy.array_equal(gen.W.array, g0) and not numpy.array_equal(dis.W.array, d0)
    assert opts['gen'].t == opts['dis'].t == 1
    trainer = training.Trainer(updater, (2, 'iteration'))
    with trainer.reporter:
        dbr.report({'loss': 1.0}, gen)
        dbr.report({'loss': 2.0}, dis)
    assert trainer.reporter.observation == {'gen/loss': 1.0, 'dis/loss': 2.0}
    s = DictionarySerializer()
    updater.serialize(s)
    assert {'model:gen/W', 'model:dis/W', 'optimizer:gen/t', 'optimizer:dis/t'} <= set(s.target)


def test_updater_base_class_is_abstract():
    u = Updater()
    u.connect_trainer(None)
    u.finalize()
    for call in (u.update, u.get_all_optimizers, lambda: u.get_optimizer('main'),
                 lambda: u.serialize(None)):
        with pytest.raises(NotImplementedError):
            call()
    assert training.StandardUpdater is StandardUpdater and training.Updater is Updater
