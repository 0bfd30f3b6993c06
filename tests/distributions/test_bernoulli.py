"""Tests of D.Bernoulli: stable log_prob from logits, binary_check, values against NumPy
references, gradients, sample statistics, shapes and bad arguments."""
import math

import numpy
import pytest

import dbr
import dbr.distributions as D
from dbr import gradient_check

from _dist_helpers import FLOATS, grad_options, to_cpu, tolerance


def _ref_log_prob(p, x):
    return x * numpy.log(p) + (1 - x) * numpy.log1p(-p)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('by', ['p', 'logit'])
def test_bernoulli_values(xp, dtype, by):
    p = numpy.random.uniform(0.05, 0.95, (2, 3)).astype(dtype)
    logit = numpy.log(p.astype(float) / (1 - p)).astype(dtype)
    d = D.Bernoulli(p=xp.asarray(p)) if by == 'p' else D.Bernoulli(logit=xp.asarray(logit))
    p64 = p.astype(float) if by == 'p' else 1 / (1 + numpy.exp(-logit.astype(float)))
    tol = tolerance(dtype)
    x = numpy.random.randint(0, 2, (4, 2, 3)).astype(dtype)
    lp = d.log_prob(xp.asarray(x))
    assert lp.dtype == dtype and lp.shape == (4, 2, 3)
    numpy.testing.assert_allclose(to_cpu(lp), _ref_log_prob(p64, x), **tol)
    numpy.testing.assert_allclose(to_cpu(d.prob(xp.asarray(x))), numpy.exp(_ref_log_prob(p64, x)),
                                  **tol)
    # grayscale targets in [0, 1] (the VAE usage): the cross-entropy form
    g = numpy.random.uniform(0, 1, (2, 3)).astype(dtype)
    numpy.testing.assert_allclose(to_cpu(d.log_prob(xp.asarray(g))), _ref_log_prob(p64, g), **tol)
    numpy.testing.assert_allclose(to_cpu(d.p), p64, **tol)
    numpy.testing.assert_allclose(to_cpu(d.logit), numpy.log(p64 / (1 - p64)), **tol)
    numpy.testing.assert_allclose(to_cpu(d.mean), p64, **tol)
    numpy.testing.assert_allclose(to_cpu(d.variance), p64 * (1 - p64), **tol)
    numpy.testing.assert_allclose(to_cpu(d.stddev), numpy.sqrt(p64 * (1 - p64)), **tol)
    numpy.testing.assert_allclose(to_cpu(d.entropy), -p64 * numpy.log(p64)
                                  - (1 - p64) * numpy.log1p(-p64), **tol)
    numpy.testing.assert_allclose(to_cpu(d.mode), (p64 > 0.5).astype(float))
    cdf = to_cpu(d.cdf(xp.asarray(numpy.array([-0.5, 0.0, 0.5, 1.0, 2.0, 0.0], dtype)
                                  .reshape(2, 3))))
    numpy.testing.assert_allclose(cdf, [[0, 1 - p64[0, 1], 1 - p64[0, 2]],
                                        [1, 1, 1 - p64[1, 2]]], **tol)
    assert d.support == '{0, 1}' and set(d.params) == {'logit'}


@pytest.mark.parametrize('dtype', FLOATS)
def test_bernoulli_log_prob_is_stable_for_extreme_logits(dtype):
    logit = numpy.array([1e4, -1e4, 1e4, -1e4, 50.0, -50.0, numpy.inf, -numpy.inf], dtype)
    x = numpy.array([1, 0, 0, 1, 0, 1, 1, 0], dtype)
    d = D.Bernoulli(logit=logit)
    lp = d.log_prob(x).array
    numpy.testing.assert_allclose(lp, [0, 0, -1e4, -1e4, -50, -50, 0, 0], rtol=1e-6)
    ent = d.entropy.array
    assert numpy.isfinite(ent).all() and (ent >= 0).all()
    # x = 0 at logit = inf (and 1 at -inf) is impossible
    inf = D.Bernoulli(logit=numpy.array([numpy.inf, -numpy.inf], dtype))
    assert (inf.log_prob(numpy.array([0, 1], dtype)).array == -numpy.inf).all()


def test_bernoulli_p_at_the_edges():
    d = D.Bernoulli(p=numpy.array([0.0, 1.0, 0.5]))
    numpy.testing.assert_allclose(d.entropy.array, [0, 0, math.log(2)])
    numpy.testing.assert_allclose(d.log_prob(numpy.array([0.0, 1.0, 1.0])).array,
                                  [0, 0, -math.log(2)])


def test_bernoulli_binary_check():
    x = numpy.array([0.0, 1.0, 0.5, 2.0])
    d = D.Bernoulli(p=numpy.full(4, 0.25), binary_check=True)
    lp = d.log_prob(x).array
    numpy.testing.assert_allclose(lp[:2], [math.log(0.75), math.log(0.25)])
    assert (lp[2:] == -numpy.inf).all()
    numpy.testing.assert_allclose(d.prob(x).array, [0.75, 0.25, 0, 0])
    # without the check, x in [0, 1] is the cross entropy and nothing is -inf
    assert numpy.isfinite(D.Bernoulli(p=numpy.full(4, 0.25)).log_prob(x).array).all()
    # gradient of the forced -inf entries is zero
    logit = dbr.Variable(numpy.zeros(4))
    lpv = D.Bernoulli(logit=logit, binary_check=True).log_prob(x)
    dbr.functions.sum(dbr.functions.where(numpy.isfinite(lpv.array), lpv, 0.0)).backward()
    numpy.testing.assert_allclose(logit.grad, [-0.5, 0.5, 0, 0])


@pytest.mark.parametrize('dtype', FLOATS)
def test_bernoulli_gradients(xp, dtype):
    logit = xp.asarray(numpy.random.uniform(-3, 3, (2, 3)).astype(dtype))
    p = xp.asarray(numpy.random.uniform(0.1, 0.9, (2, 3)).astype(dtype))
    x = numpy.random.uniform(0, 1, (2, 3)).astype(dtype)
    gy = xp.asarray(numpy.random.standard_normal((2, 3)).astype(dtype))
    ggx = xp.asarray(numpy.random.standard_normal((2, 3)).astype(dtype))
    opts = grad_options(dtype)

    def q(v):  # a fixed operand of the dtype the gradient check evaluates in
        return D.Bernoulli(p=xp.full(v.shape, 0.3, v.dtype))

    funcs = [
        (lambda lg: D.Bernoulli(logit=lg).log_prob(xp.asarray(x)), logit),
        (lambda pp: D.Bernoulli(p=pp).log_prob(xp.asarray(x)), p),
        (lambda lg: D.Bernoulli(logit=lg).entropy, logit),
        (lambda pp: D.Bernoulli(p=pp).entropy, p),
        (lambda lg: dbr.kl_divergence(D.Bernoulli(logit=lg), q(lg)), logit),
        (lambda pp: dbr.kl_divergence(q(pp), D.Bernoulli(p=pp)), p),
    ]
    for f, a in funcs:
        gradient_check.check_backward(f, a, gy, **opts)
        gradient_check.check_double_backward(f, a, gy, ggx, **opts)
    # the gradient with respect to the data x (a Variable) is the logit
    gradient_check.check_backward(lambda lg, xx: D.Bernoulli(logit=lg).log_prob(xx),
                                  (logit, xp.asarray(x)), gy, **opts)
    # broadcasting: one logit row for a batch of data
    gradient_check.check_backward(
        lambda lg: D.Bernoulli(logit=lg).log_prob(xp.asarray(numpy.tile(x, (4, 1, 1)))),
        logit[0], xp.asarray(numpy.random.standard_normal((4, 2, 3)).astype(dtype)), **opts)


@pytest.mark.parametrize('dtype', FLOATS)
def test_bernoulli_kl(xp, dtype):
    p1 = numpy.random.uniform(0.05, 0.95, 5).astype(dtype)
    p2 = numpy.random.uniform(0.05, 0.95, 5).astype(dtype)
    kl = dbr.kl_divergence(D.Bernoulli(p=xp.asarray(p1)), D.Bernoulli(
        logit=xp.asarray(numpy.log(p2 / (1 - p2)))))
    a, b = p1.astype(float), p2.astype(float)
    ref = a * numpy.log(a / b) + (1 - a) * numpy.log((1 - a) / (1 - b))
    assert kl.dtype == dtype
    numpy.testing.assert_allclose(to_cpu(kl), ref, **tolerance(dtype))


def test_bernoulli_sample_statistics(xp):
    p = numpy.array([[0.1, 0.5, 0.9], [0.02, 0.7, 0.35]], numpy.float32)
    s = D.Bernoulli(p=xp.asarray(p)).sample(20000)
    assert s.shape == (20000, 2, 3) and s.dtype.kind == 'i'
    assert s.requires_grad is False
    a = dbr.backend.to_cpu(s.array)
    assert set(numpy.unique(a)) <= {0, 1}
    se = numpy.sqrt(p * (1 - p) / 20000)
    assert (numpy.abs(a.mean(axis=0) - p) <= 5 * se).all()
    # samples feed log_prob directly (integers are taken as the distribution's dtype)
    assert D.Bernoulli(p=xp.asarray(p)).log_prob(s).dtype == numpy.float32


def test_bernoulli_shapes_and_errors():
    d = D.Bernoulli(logit=numpy.zeros((4, 3)))
    assert d.batch_shape == (4, 3) and d.event_shape == ()
    assert d.sample((2, 5)).shape == (2, 5, 4, 3)
    assert d.log_prob(numpy.zeros(3)).shape == (4, 3)
    with pytest.raises(ValueError, match='Bernoulli: either p or logit'):
        D.Bernoulli()
    with pytest.raises(ValueError, match='Bernoulli: either p or logit'):
        D.Bernoulli(p=numpy.ones(2) / 2, logit=numpy.zeros(2))
    with pytest.raises(TypeError, match='Bernoulli: p must have a float dtype, got int64'):
        D.Bernoulli(p=numpy.ones(2, numpy.int64))
    with pytest.raises(ValueError, match=r'Bernoulli.log_prob: x.shape=\(2,\) does not match '
                                         r'batch_shape=\(4, 3\)'):
        d.log_prob(numpy.zeros(2))
