"""A VAE written the Chainer way (``import chainer`` resolved to dbr): a Gaussian encoder
``q(z|x)``, a Bernoulli decoder ``p(x|z)`` and a fixed standard-normal prior, all as
``chainer.distributions``, trained on the negative ELBO with ``chainer.kl_divergence``."""
import numpy


def _binary_data(n, rng, protos):
    """Copies of the 16-pixel prototypes with 5% of the pixels flipped."""
    x = protos[rng.randint(0, len(protos), n)]
    return (x ^ (rng.rand(n, 16) < 0.05)).astype(numpy.float32)


def _model(chainer):
    import chainer.distributions as D
    import chainer.functions as F
    import chainer.links as L

    class Encoder(chainer.Chain):
        def __init__(self, n_in, n_latent, n_h):
            super().__init__()
            with self.init_scope():
                self.hidden = L.Linear(n_in, n_h)
                self.mu = L.Linear(n_h, n_latent)
                self.ln_sigma = L.Linear(n_h, n_latent)

        def forward(self, x):
            h = F.tanh(self.hidden(x))
            return D.Independent(D.Normal(loc=self.mu(h), log_scale=self.ln_sigma(h)),
                                 reinterpreted_batch_ndims=1)

    class Decoder(chainer.Chain):
        def __init__(self, n_out, n_latent, n_h):
            super().__init__()
            with self.init_scope():
                self.hidden = L.Linear(n_latent, n_h)
                self.out = L.Linear(n_h, n_out)

        def forward(self, z):
            # z is (k, batch, n_latent): the two leading axes are batch axes of the linears
            h = F.tanh(self.hidden(z, n_batch_axes=2))
            return D.Independent(D.Bernoulli(logit=self.out(h, n_batch_axes=2)),
                                 reinterpreted_batch_ndims=1)

    class Prior(chainer.Link):
        def __init__(self, n_latent):
            super().__init__()
            self.loc = numpy.zeros(n_latent, chainer.get_dtype())
            self.scale = numpy.ones(n_latent, chainer.get_dtype())
            self.register_persistent('loc')
            self.register_persistent('scale')

        def forward(self):
            return D.Independent(D.Normal(self.loc, scale=self.scale),
                                 reinterpreted_batch_ndims=1)

    class NegativeELBO(chainer.Chain):
        def __init__(self, k=2):
            super().__init__()
            self.k = k
            with self.init_scope():
                self.encoder = Encoder(16, 2, 32)
                self.decoder = Decoder(16, 2, 32)
                self.prior = Prior(2)

        def forward(self, x):
            q_z = self.encoder(x)
            z = q_z.sample(self.k)                      # reparameterized: (k, batch, 2)
            p_x = self.decoder(z)
            reconstr = F.mean(p_x.log_prob(F.broadcast_to(x[None], (self.k,) + x.shape)))
            kl = F.mean(chainer.kl_divergence(q_z, self.prior()))
            loss = kl - reconstr
            chainer.report({'loss': loss, 'reconstr': reconstr, 'kl': kl}, self)
            return loss

    return NegativeELBO()


def test_vae_elbo_improves(chainer):
    import chainer.distributions as D
    rng = numpy.random.RandomState(0)
    numpy.random.seed(0)
    protos = rng.rand(4, 16) < 0.5
    train, test = _binary_data(512, rng, protos), _binary_data(256, rng, protos)
    model = _model(chainer)
    optimizer = chainer.optimizers.Adam(alpha=1e-2).setup(model)

    def elbo(x):
        with chainer.no_backprop_mode(), chainer.using_config('train', False):
            return -float(numpy.mean([model(x).array for _ in range(8)]))

    before = elbo(test)
    for epoch in range(25):
        for i in range(0, len(train), 64):
            optimizer.update(model, train[rng.permutation(len(train))[:64]])
    after = elbo(test)
    # Independent pixels with their marginal frequencies: what a model without a latent
    # variable achieves at best. The VAE must beat it by using z to tell the prototypes apart.
    freq = numpy.clip(train.mean(0), 1e-3, 1 - 1e-3)
    baseline = float(numpy.mean(D.Independent(D.Bernoulli(p=freq), 1).log_prob(test).array))
    assert after > before + 3.0, (before, after)
    assert after > baseline + 2.0, (after, baseline)
    # reconstructions from the posterior mean recover most pixels
    with chainer.no_backprop_mode():
        z = model.encoder(test).mean
        p = model.decoder(z[None]).mean.array[0]
    assert ((p > 0.5) == (test > 0.5)).mean() > 0.9


def test_vae_gradients_reach_every_parameter(chainer):
    numpy.random.seed(1)
    model = _model(chainer)
    rng = numpy.random.RandomState(1)
    x = _binary_data(8, rng, rng.rand(4, 16) < 0.5)
    model.cleargrads()
    model(x).backward()
    for name, param in model.namedparams():
        assert param.grad is not None and numpy.abs(param.grad).sum() > 0, name
    # the prior's arrays are persistent values, not parameters
    assert {n for n, _ in model.namedparams()} == {
        f'/{part}/{layer}/{p}' for part, layers in
        (('encoder', ('hidden', 'mu', 'ln_sigma')), ('decoder', ('hidden', 'out')))
        for layer in layers for p in ('W', 'b')}
