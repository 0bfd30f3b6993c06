"""Tests of D.Categorical and D.OneHotCategorical: values against NumPy references,
gradients, sample frequencies, shapes and bad arguments."""
import numpy
import pytest

import dbr
import dbr.distributions as D
from dbr import gradient_check

from _dist_helpers import FLOATS, grad_options, to_cpu, tolerance


def _probs(shape, dtype):
    p = numpy.random.uniform(0.1, 1.0, shape)
    return (p / p.sum(axis=-1, keepdims=True)).astype(dtype)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('by', ['p', 'logit'])
def test_categorical_values(xp, dtype, by):
    p = _probs((2, 3, 4), dtype)
    logit = (numpy.log(p.astype(float)) + 5.0).astype(dtype)   # unnormalized
    d = D.Categorical(p=xp.asarray(p)) if by == 'p' else D.Categorical(logit=xp.asarray(logit))
    p64 = p.astype(float) if by == 'p' else numpy.exp(logit.astype(float) - 5.0)
    p64 /= p64.sum(-1, keepdims=True)
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    x = numpy.random.randint(0, 4, (5, 2, 3))
    lp = d.log_prob(xp.asarray(x))
    assert lp.dtype == dtype and lp.shape == (5, 2, 3)
    ref = numpy.log(numpy.take_along_axis(p64[None], x[..., None], axis=-1)[..., 0])
    numpy.testing.assert_allclose(to_cpu(lp), ref, **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.prob(xp.asarray(x))), numpy.exp(ref), **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.p), p64, **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.entropy), -(p64 * numpy.log(p64)).sum(-1),
                                  **tolerance(dtype))
    numpy.testing.assert_array_equal(to_cpu(d.mode), p64.argmax(-1))
    # labels given as floats (Chainer casts them) and broadcast over the batch
    numpy.testing.assert_allclose(to_cpu(d.log_prob(xp.asarray(x[0].astype(dtype)))), ref[0],
                                  **tolerance(dtype))
    assert d.log_prob(xp.asarray(numpy.array([0, 1, 2]))).shape == (2, 3)


def test_categorical_zero_probabilities():
    p = numpy.array([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]])
    d = D.Categorical(p=p)
    numpy.testing.assert_allclose(d.entropy.array, -numpy.array(
        [0.25 * numpy.log(0.25) + 0.75 * numpy.log(0.75), numpy.log(0.5)]))
    assert d.log_prob(numpy.array([0, 2])).array.tolist() == [-numpy.inf, -numpy.inf]
    q = D.Categorical(p=numpy.array([[0.5, 0.5, 0.0], [0.25, 0.25, 0.5]]))
    kl = dbr.kl_divergence(d, q).array
    assert kl[0] == numpy.inf
    numpy.testing.assert_allclose(kl[1], 0.5 * numpy.log(2) * 2)
    s = d.sample(2000).array
    assert (s[:, 0] != 0).all() and (s[:, 1] != 2).all()


@pytest.mark.parametrize('dtype', FLOATS)
def test_categorical_kl(xp, dtype):
    p1, p2 = _probs((3, 5), dtype), _probs((3, 5), dtype)
    kl = dbr.kl_divergence(D.Categorical(logit=xp.asarray(numpy.log(p1))),
                           D.Categorical(p=xp.asarray(p2)))
    a, b = p1.astype(float), p2.astype(float)
    assert kl.dtype == dtype and kl.shape == (3,)
    numpy.testing.assert_allclose(to_cpu(kl), (a * numpy.log(a / b)).sum(-1), **tolerance(dtype))
    kl_p = dbr.kl_divergence(D.Categorical(p=xp.asarray(p1)), D.Categorical(p=xp.asarray(p2)))
    numpy.testing.assert_allclose(to_cpu(kl_p), (a * numpy.log(a / b)).sum(-1), **tolerance(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_categorical_gradients(xp, dtype):
    logit = xp.asarray(numpy.random.standard_normal((2, 4)).astype(dtype))
    p = xp.asarray(_probs((2, 4), dtype))
    x = xp.asarray(numpy.array([[1, 3], [0, 3], [2, 2]]))
    gy = xp.asarray(numpy.random.standard_normal((3, 2)).astype(dtype))
    gb = xp.asarray(numpy.random.standard_normal((2,)).astype(dtype))
    opts = grad_options(dtype)

    def other(v):
        return D.Categorical(p=xp.full(v.shape, 0.25, v.dtype))

    cases = [
        (lambda lg: D.Categorical(logit=lg).log_prob(x), logit, gy),
        (lambda pp: D.Categorical(p=pp).log_prob(x), p, gy),
        (lambda lg: D.Categorical(logit=lg).entropy, logit, gb),
        (lambda pp: D.Categorical(p=pp).entropy, p, gb),
        (lambda lg: dbr.kl_divergence(D.Categorical(logit=lg), other(lg)), logit, gb),
        (lambda pp: dbr.kl_divergence(other(pp), D.Categorical(p=pp)), p, gb),
    ]
    for f, a, g in cases:
        gradient_check.check_backward(f, a, g, **opts)
        gradient_check.check_double_backward(f, a, g, xp.asarray(
            numpy.random.standard_normal(a.shape).astype(dtype)), **opts)


def test_categorical_sample_frequencies(xp):
    p = numpy.array([[0.1, 0.2, 0.7], [0.5, 0.45, 0.05]], numpy.float32)
    s = D.Categorical(p=xp.asarray(p)).sample(20000)
    assert s.shape == (20000, 2) and s.dtype == numpy.int32 and s.requires_grad is False
    a = dbr.backend.to_cpu(s.array)
    freq = numpy.stack([(a == k).mean(axis=0) for k in range(3)], axis=-1)
    assert (numpy.abs(freq - p) <= 5 * numpy.sqrt(p * (1 - p) / 20000)).all()
    assert D.Categorical(p=xp.asarray(p)).sample((4, 5)).shape == (4, 5, 2)


def test_categorical_errors():
    with pytest.raises(ValueError, match='Categorical: either p or logit'):
        D.Categorical()
    with pytest.raises(ValueError, match=r'Categorical: logit needs a category axis .* got '
                                         r'shape \(\)'):
        D.Categorical(logit=numpy.array(0.0))
    d = D.Categorical(p=numpy.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r'Categorical.log_prob: x.shape=\(3,\) does not match '
                                         r'batch_shape=\(2,\)'):
        d.log_prob(numpy.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r'select_item: t must be in \[0, 3\)'):
        d.log_prob(numpy.array([0, 3]))


@pytest.mark.parametrize('dtype', FLOATS)
def test_one_hot_categorical(xp, dtype):
    p = _probs((2, 4), dtype)
    d = D.OneHotCategorical(xp.asarray(p))
    assert d.batch_shape == (2,) and d.event_shape == (4,)
    s = d.sample(3000)
    assert s.shape == (3000, 2, 4)
    a = dbr.backend.to_cpu(s.array)
    assert (a.sum(-1) == 1).all()
    p64 = p.astype(float)
    assert (numpy.abs(a.mean(0) - p64) <= 5 * numpy.sqrt(p64 * (1 - p64) / 3000)).all()
    lp = d.log_prob(s)
    numpy.testing.assert_allclose(to_cpu(lp), numpy.log((a * p64).sum(-1)), **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.mean), p64, **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.variance), p64 * (1 - p64), **tolerance(dtype))
    numpy.testing.assert_allclose(to_cpu(d.entropy), -(p64 * numpy.log(p64)).sum(-1),
                                  **tolerance(dtype))
    q = _probs((2, 4), dtype).astype(float)
    kl = dbr.kl_divergence(d, D.OneHotCategorical(xp.asarray(q.astype(dtype))))
    numpy.testing.assert_allclose(to_cpu(kl), (p64 * numpy.log(p64 / q)).sum(-1),
                                  **tolerance(dtype))
    gradient_check.check_backward(lambda pp: D.OneHotCategorical(pp).log_prob(s),
                                  xp.asarray(p), xp.asarray(numpy.ones((3000, 2), dtype)),
                                  **grad_options(dtype))
    with pytest.raises(ValueError, match=r'OneHotCategorical.log_prob: x.shape=\(2, 3\)'):
        d.log_prob(numpy.zeros((2, 3)))
