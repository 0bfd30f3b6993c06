"""Tests of D.Normal: values against NumPy/math references, gradients (log_prob, the
reparameterized sample, KL), sample statistics, shapes and broadcasting, bad arguments."""
import math

import numpy
import pytest

import dbr
import dbr.distributions as D
import dbr.functions as F
from dbr import gradient_check

from _dist_helpers import FLOATS, grad_options, to_cpu, tolerance


def _params(shape, dtype):
    loc = numpy.random.uniform(-1, 1, shape).astype(dtype)
    scale = numpy.random.uniform(0.5, 2, shape).astype(dtype)
    return loc, scale


def _assert_moments(samples, mean, var, z=5.0):
    """Sample mean and variance within z standard errors (estimated from the samples)."""
    s = samples.astype(numpy.float64)
    n = s.shape[0]
    m = s.mean(axis=0)
    assert (numpy.abs(m - mean) <= z * s.std(axis=0) / math.sqrt(n)).all(), (m, mean)
    d2 = (s - m) ** 2
    v = d2.sum(axis=0) / (n - 1)
    assert (numpy.abs(v - var) <= z * d2.std(axis=0) / math.sqrt(n)).all(), (v, var)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('use_log_scale', [False, True])
def test_normal_values(xp, dtype, use_log_scale):
    loc, scale = _params((2, 3), dtype)
    if use_log_scale:
        d = D.Normal(xp.asarray(loc), log_scale=xp.asarray(numpy.log(scale)))
    else:
        d = D.Normal(xp.asarray(loc), scale=xp.asarray(scale))
    x = numpy.random.standard_normal((4, 2, 3)).astype(dtype)
    loc64, s64, x64 = loc.astype(float), scale.astype(float), x.astype(float)
    z = (x64 - loc64) / s64
    tol = tolerance(dtype)
    lp = d.log_prob(xp.asarray(x))
    assert lp.dtype == dtype and lp.shape == (4, 2, 3)
    numpy.testing.assert_allclose(to_cpu(lp), -0.5 * z ** 2 - numpy.log(s64)
                                  - 0.5 * math.log(2 * math.pi), **tol)
    numpy.testing.assert_allclose(to_cpu(d.prob(xp.asarray(x))), numpy.exp(
        -0.5 * z ** 2) / (s64 * math.sqrt(2 * math.pi)), **tol)
    ref_cdf = numpy.vectorize(lambda t: 0.5 * math.erfc(-t / math.sqrt(2)))(z)
    numpy.testing.assert_allclose(to_cpu(d.cdf(xp.asarray(x))), ref_cdf, **tol)
    numpy.testing.assert_allclose(to_cpu(d.log_cdf(xp.asarray(x))), numpy.log(ref_cdf), **tol)
    numpy.testing.assert_allclose(to_cpu(d.survival_function(xp.asarray(x))), 1 - ref_cdf, **tol)
    numpy.testing.assert_allclose(to_cpu(d.log_survival_function(xp.asarray(x))),
                                  numpy.log1p(-ref_cdf), **tol)
    p = numpy.random.uniform(0.05, 0.95, (2, 3)).astype(dtype)
    # icdf inverts cdf
    numpy.testing.assert_allclose(to_cpu(d.cdf(d.icdf(xp.asarray(p)))), p, **tol)
    numpy.testing.assert_allclose(to_cpu(d.mean), loc64, **tol)
    numpy.testing.assert_allclose(to_cpu(d.mode), loc64, **tol)
    numpy.testing.assert_allclose(to_cpu(d.stddev), s64, **tol)
    numpy.testing.assert_allclose(to_cpu(d.variance), s64 ** 2, **tol)
    numpy.testing.assert_allclose(to_cpu(d.entropy),
                                  0.5 * numpy.log(2 * math.pi * math.e * s64 ** 2), **tol)
    assert d.support == 'real'
    assert set(d.params) == {'loc', 'scale'}
    assert d.xp is xp


def test_normal_log_cdf_tails():
    d = D.Normal(numpy.zeros(3), scale=numpy.ones(3))
    lc = d.log_cdf(numpy.array([-60.0, 0.0, 60.0])).array
    assert numpy.isfinite(lc).all() and lc[0] < -1800 and lc[2] == 0.0
    ls = d.log_survival_function(numpy.array([60.0])).array
    assert numpy.isfinite(ls).all() and ls[0] < -1800


@pytest.mark.parametrize('dtype', FLOATS)
def test_normal_kl(xp, dtype):
    l1, s1 = _params((5,), dtype)
    l2, s2 = _params((5,), dtype)
    kl = dbr.kl_divergence(D.Normal(xp.asarray(l1), scale=xp.asarray(s1)),
                           D.Normal(xp.asarray(l2), log_scale=xp.asarray(numpy.log(s2))))
    assert kl.dtype == dtype and kl.shape == (5,)
    l1, s1, l2, s2 = (a.astype(float) for a in (l1, s1, l2, s2))
    ref = numpy.log(s2 / s1) + (s1 ** 2 + (l1 - l2) ** 2) / (2 * s2 ** 2) - 0.5
    numpy.testing.assert_allclose(to_cpu(kl), ref, **tolerance(dtype))
    # against a Monte Carlo estimate E_p[log p - log q], in float64
    p = D.Normal(l1, scale=s1)
    q = D.Normal(l2, scale=s2)
    x = p.sample(200000)
    mc = (p.log_prob(x) - q.log_prob(x)).array
    assert (numpy.abs(mc.mean(0) - ref) < 5 * mc.std(0) / math.sqrt(200000)).all()


@pytest.mark.parametrize('dtype', FLOATS)
def test_normal_gradients(xp, dtype):
    loc, scale = _params((2, 3), dtype)
    x = xp.asarray(numpy.random.standard_normal((2, 3)).astype(dtype))
    gy = xp.asarray(numpy.random.standard_normal((2, 3)).astype(dtype))
    ggs = tuple(xp.asarray(numpy.random.standard_normal((2, 3)).astype(dtype)) for _ in range(2))
    args = (xp.asarray(loc), xp.asarray(numpy.log(scale)))

    def log_prob(loc, log_scale):
        return D.Normal(loc, log_scale=log_scale).log_prob(x)

    def cdf(loc, scale):
        return D.Normal(loc, scale=scale).log_cdf(x)

    def kl(loc, log_scale):
        q = D.Normal(loc, log_scale=log_scale)
        return dbr.kl_divergence(q, D.Normal(xp.zeros_like(loc.array), scale=xp.ones_like(
            loc.array)))

    def entropy(loc, scale):
        return D.Normal(loc, scale=scale).entropy

    def log_prob_x(x_, loc, log_scale):  # the gradient reaches x itself too
        return D.Normal(loc, log_scale=log_scale).log_prob(x_)

    opts = grad_options(dtype)
    for f, a in ((log_prob, args), (cdf, (args[0], xp.asarray(scale))), (kl, args),
                 (entropy, (args[0], xp.asarray(scale)))):
        gradient_check.check_backward(f, a, gy, **opts)
        gradient_check.check_double_backward(f, a, gy, ggs, **opts)
    gradient_check.check_backward(log_prob_x, (x,) + args, gy, **opts)


@pytest.mark.parametrize('dtype', FLOATS)
def test_normal_sample_is_reparameterized(xp, dtype):
    loc, scale = _params((3,), dtype)

    def sample(loc, scale):
        xp.random.seed(3)  # the same noise in every evaluation
        return D.Normal(loc, scale=scale).sample((4, 2))

    gy = xp.asarray(numpy.random.standard_normal((4, 2, 3)).astype(dtype))
    gradient_check.check_backward(sample, (xp.asarray(loc), xp.asarray(scale)), gy,
                                  **grad_options(dtype))
    # loc + scale * eps: the gradient to loc sums gy, the one to scale sums gy * eps
    loc_v, scale_v = dbr.Variable(xp.asarray(loc)), dbr.Variable(xp.asarray(scale))
    z = sample(loc_v, scale_v)
    F.sum(z).backward()
    numpy.testing.assert_allclose(to_cpu(loc_v.grad_var), numpy.full(3, 8.0))
    eps = (to_cpu(z) - loc) / scale
    numpy.testing.assert_allclose(to_cpu(scale_v.grad_var), eps.sum(axis=(0, 1)),
                                  rtol=1e-4 if dtype == numpy.float32 else 1e-10)


@pytest.mark.parametrize('dtype', FLOATS)
def test_normal_sample_statistics(xp, dtype):
    loc, scale = _params((2, 3), dtype)
    d = D.Normal(xp.asarray(loc), scale=xp.asarray(scale))
    s = d.sample(20000)
    assert s.shape == (20000, 2, 3) and s.dtype == dtype
    _assert_moments(dbr.backend.to_cpu(s.array), loc.astype(float), scale.astype(float) ** 2)


def test_normal_float16():
    d = D.Normal(numpy.zeros(3, numpy.float16), scale=numpy.ones(3, numpy.float16))
    assert d.sample(2).dtype == numpy.float16
    assert d.log_prob(numpy.zeros(3)).dtype == numpy.float16
    assert d.icdf(numpy.full(3, 0.5)).dtype == numpy.float16


def test_normal_shapes_and_broadcasting():
    d = D.Normal(numpy.zeros((4, 1)), scale=numpy.ones(3))
    assert d.batch_shape == (4, 3) and d.event_shape == ()
    assert d.sample().shape == (4, 3)
    assert d.sample(5).shape == (5, 4, 3)
    assert d.sample((6, 5)).shape == (6, 5, 4, 3)
    assert d.sample(()).shape == (4, 3)
    assert d.sample_n(2).shape == (2, 4, 3)
    assert d.mean.shape == d.stddev.shape == d.entropy.shape == (4, 3)
    # x broadcasts against the batch: a (3,) point or sample_shape + batch_shape
    assert d.log_prob(numpy.zeros(3)).shape == (4, 3)
    assert d.log_prob(numpy.zeros((7, 4, 3))).shape == (7, 4, 3)
    # Python scalars take the other parameter's dtype, or the default dtype alone
    assert D.Normal(numpy.zeros(2, 'f'), scale=1.0).scale.dtype == numpy.float32
    assert D.Normal(0.0, scale=1.0).batch_shape == ()
    assert D.Normal(0.0, scale=1.0).loc.dtype == dbr.get_dtype()


def test_normal_parameters_keep_their_variables():
    loc = dbr.Variable(numpy.zeros(2))
    d = D.Normal(loc, scale=numpy.ones(2))
    assert d.loc is loc
    # cached per backprop mode: no graph from no_backprop_mode leaks into training
    with dbr.no_backprop_mode():
        e1 = D.Normal(loc, log_scale=dbr.Variable(numpy.zeros(2))).entropy
    assert e1.creator is None
    d2 = D.Normal(loc, log_scale=dbr.Variable(numpy.zeros(2)))
    with dbr.no_backprop_mode():
        assert d2.scale.creator is None
    assert d2.scale.creator is not None


def test_normal_errors():
    with pytest.raises(ValueError, match='Normal: either scale or log_scale'):
        D.Normal(numpy.zeros(2))
    with pytest.raises(ValueError, match='Normal: either scale or log_scale'):
        D.Normal(numpy.zeros(2), scale=numpy.ones(2), log_scale=numpy.zeros(2))
    with pytest.raises(TypeError, match="Normal: unexpected keyword arguments \\['sigma'\\]"):
        D.Normal(numpy.zeros(2), sigma=numpy.ones(2))
    with pytest.raises(ValueError, match=r'Normal: parameter shapes do not broadcast: '
                                         r'loc.shape=\(3,\), scale.shape=\(4,\)'):
        D.Normal(numpy.zeros(3), scale=numpy.ones(4))
    with pytest.raises(TypeError, match='Normal: loc must have a float dtype, got int64'):
        D.Normal(numpy.zeros(3, numpy.int64), scale=numpy.ones(3))
    with pytest.raises(TypeError, match='Normal: parameters must share one dtype, got '
                                        'loc.dtype=float32 and scale.dtype=float64'):
        D.Normal(numpy.zeros(3, numpy.float32), scale=numpy.ones(3))
    with pytest.raises(TypeError, match='Normal: loc must be a Variable, an array or a float, '
                                        'got list'):
        D.Normal([0.0], scale=numpy.ones(1))
    d = D.Normal(numpy.zeros((2, 3)), scale=numpy.ones((2, 3)))
    with pytest.raises(ValueError, match=r'Normal.log_prob: x.shape=\(4,\) does not match '
                                         r'batch_shape=\(2, 3\) and event_shape=\(\)'):
        d.log_prob(numpy.zeros(4))
    with pytest.raises(ValueError, match=r'Normal.cdf: x.shape=\(2, 2\)'):
        d.cdf(numpy.zeros((2, 2)))
