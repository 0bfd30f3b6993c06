"""Tests of D.Independent: shape reinterpretation, reductions of the base distribution's
probability functions, covariance, KL, gradients and bad arguments."""
import math

import numpy
import pytest

import dbr
import dbr.distributions as D
from dbr import gradient_check

from _dist_helpers import FLOATS, to_cpu, tolerance


def _normal_ref(x, loc, scale):
    z = (x - loc) / scale
    return -0.5 * z * z - numpy.log(scale) - 0.5 * math.log(2 * math.pi)


@pytest.mark.parametrize('dtype', FLOATS)
def test_independent_normal(xp, dtype):
    loc = numpy.random.standard_normal((4, 2, 3)).astype(dtype)
    scale = numpy.random.uniform(0.5, 2, (4, 2, 3)).astype(dtype)
    base = D.Normal(xp.asarray(loc), scale=xp.asarray(scale))
    d = D.Independent(base, reinterpreted_batch_ndims=2)
    assert d.batch_shape == (4,) and d.event_shape == (2, 3)
    assert d.distribution is base and d.reinterpreted_batch_ndims == 2
    x = numpy.random.standard_normal((5, 4, 2, 3)).astype(dtype)
    lp = d.log_prob(xp.asarray(x))
    assert lp.shape == (5, 4) and lp.dtype == dtype
    l64, s64 = loc.astype(float), scale.astype(float)
    ref = _normal_ref(x.astype(float), l64, s64).sum(axis=(-2, -1))
    numpy.testing.assert_allclose(to_cpu(lp), ref, **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.prob(xp.asarray(x))), numpy.exp(ref), **tolerance(dtype))
    cdf = numpy.vectorize(lambda t: 0.5 * math.erfc(-t / math.sqrt(2)))((x - l64) / s64)
    numpy.testing.assert_allclose(to_cpu(d.cdf(xp.asarray(x))), cdf.prod(axis=(-2, -1)),
                                  **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.log_cdf(xp.asarray(x))),
                                  numpy.log(cdf).sum(axis=(-2, -1)), **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.entropy), (0.5 * numpy.log(
        2 * math.pi * math.e * s64 ** 2)).sum(axis=(-2, -1)), **tolerance(dtype))
    # statistics and samples are the base distribution's
    assert d.mean is base.mean and d.stddev is base.stddev and d.variance is base.variance
    assert d.sample(3).shape == (3, 4, 2, 3)
    assert d.params == base.params and d.xp is xp
    with pytest.raises(RuntimeError, match='Independent.icdf: the CDF of a multivariate'):
        d.icdf(xp.asarray(x))


def test_independent_default_and_zero_ndims():
    base = D.Normal(numpy.zeros((4, 2, 3)), scale=numpy.ones((4, 2, 3)))
    d = D.Independent(base)
    assert d.batch_shape == (4,) and d.event_shape == (2, 3)
    d0 = D.Independent(base, 0)
    assert d0.batch_shape == (4, 2, 3) and d0.event_shape == ()
    numpy.testing.assert_allclose(d0.log_prob(numpy.zeros((4, 2, 3))).array,
                                  base.log_prob(numpy.zeros((4, 2, 3))).array)
    scalar = D.Independent(D.Normal(0.0, scale=1.0))
    assert scalar.batch_shape == () and scalar.event_shape == ()


def test_independent_bernoulli_with_integer_samples():
    # the VAE decoder: Independent(Bernoulli(logit), 1) over pixels
    logit = numpy.random.standard_normal((2, 5, 6)).astype(numpy.float32)
    d = D.Independent(D.Bernoulli(logit=logit), reinterpreted_batch_ndims=1)
    s = d.sample()
    assert s.shape == (2, 5, 6)
    p = 1 / (1 + numpy.exp(-logit.astype(float)))
    ref = (s.array * numpy.log(p) + (1 - s.array) * numpy.log1p(-p)).sum(-1)
    numpy.testing.assert_allclose(d.log_prob(s).array, ref, rtol=1e-5)


def test_independent_covariance():
    var = numpy.random.uniform(0.5, 2, (2, 3))
    d = D.Independent(D.Normal(numpy.zeros((2, 3)), scale=numpy.sqrt(var)))
    cov = d.covariance.array
    assert cov.shape == (2, 3, 3)
    for b in range(2):
        numpy.testing.assert_allclose(cov[b], numpy.diag(var[b]))
    # a batch of multivariate normals: block-diagonal covariance of the concatenated event
    A = numpy.random.standard_normal((2, 3, 2, 2))
    L = numpy.linalg.cholesky(A @ A.transpose(0, 1, 3, 2) + numpy.eye(2))
    mvn = D.Independent(D.MultivariateNormal(numpy.zeros((2, 3, 2)), scale_tril=L))
    assert mvn.event_shape == (3, 2)
    cov = mvn.covariance.array
    assert cov.shape == (2, 6, 6)
    block = L @ L.transpose(0, 1, 3, 2)
    for b in range(2):
        ref = numpy.zeros((6, 6))
        for i in range(3):
            ref[2 * i:2 * i + 2, 2 * i:2 * i + 2] = block[b, i]
        numpy.testing.assert_allclose(cov[b], ref)


@pytest.mark.parametrize('dtype', FLOATS)
def test_independent_kl_and_gradients(xp, dtype):
    l1 = numpy.random.standard_normal((4, 3)).astype(dtype)
    s1 = numpy.random.uniform(0.5, 2, (4, 3)).astype(dtype)
    p = D.Independent(D.Normal(xp.asarray(l1), scale=xp.asarray(s1)))
    # the VAE prior: one (3,) normal, broadcast against a batch of posteriors (a 1-d batch
    # keeps its axis by default, so the prior names reinterpreted_batch_ndims)
    q = D.Independent(D.Normal(xp.zeros(3, dtype), scale=xp.ones(3, dtype)), 1)
    assert q.batch_shape == () and q.event_shape == (3,)
    kl = dbr.kl_divergence(p, q)
    assert kl.shape == (4,) and kl.dtype == dtype
    a, s = l1.astype(float), s1.astype(float)
    ref = (-numpy.log(s) + 0.5 * (s ** 2 + a ** 2) - 0.5).sum(-1)
    numpy.testing.assert_allclose(to_cpu(kl), ref, **tolerance(dtype))
    opts = {} if dtype == numpy.float64 else dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)

    def f(loc, log_scale):
        d = D.Independent(D.Normal(loc, log_scale=log_scale))
        zero = xp.zeros(3, loc.dtype)
        return dbr.kl_divergence(d, D.Independent(D.Normal(zero, scale=zero + 1), 1)) + \
            d.log_prob(xp.ones((4, 3), loc.dtype))

    args = (xp.asarray(l1), xp.asarray(numpy.log(s1)))
    gy = xp.asarray(numpy.random.standard_normal(4).astype(dtype))
    gradient_check.check_backward(f, args, gy, **opts)
    gradient_check.check_double_backward(f, args, gy, tuple(xp.asarray(
        numpy.random.standard_normal((4, 3)).astype(dtype)) for _ in range(2)), **opts)


def test_independent_errors():
    base = D.Normal(numpy.zeros((4, 3)), scale=numpy.ones((4, 3)))
    with pytest.raises(ValueError, match=r'Independent: reinterpreted_batch_ndims must be an '
                                         r'int in \[0, 2\] .* got 3'):
        D.Independent(base, 3)
    with pytest.raises(ValueError, match='got -1'):
        D.Independent(base, -1)
    with pytest.raises(TypeError, match='Independent: distribution must be a Distribution, '
                                        'got ndarray'):
        D.Independent(numpy.zeros(3))
    d = D.Independent(base)
    with pytest.raises(ValueError, match=r'Independent.log_prob: x.shape=\(4, 2\) does not '
                                         r'match batch_shape=\(4,\) and event_shape=\(3,\)'):
        d.log_prob(numpy.zeros((4, 2)))
    other = D.Independent(D.Normal(numpy.zeros((4, 2)), scale=numpy.ones((4, 2))))
    with pytest.raises(ValueError, match=r'Independent event shapes differ: \(3,\) and \(2,\)'):
        dbr.kl_divergence(d, other)


def test_independent_categorical_keeps_integer_labels():
    # a sequence of 3 categorical tokens per example: labels stay integers through Independent
    p = numpy.random.uniform(0.1, 1, (2, 3, 5))
    p /= p.sum(-1, keepdims=True)
    d = D.Independent(D.Categorical(p=p))
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    t = numpy.array([[4, 0, 2], [1, 1, 3]], numpy.int32)
    ref = numpy.log(numpy.take_along_axis(p, t[..., None], -1)[..., 0]).sum(-1)
    numpy.testing.assert_allclose(d.log_prob(t).array, ref)
    numpy.testing.assert_allclose(d.log_prob(dbr.Variable(t)).array, ref)
