"""Tests of dbr.functions.noise: dropout, gaussian, gumbel_softmax.

Random functions are made deterministic for gradient checks by reseeding the array module's
generator inside the checked function, so every evaluation draws the same noise.
"""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]
FLOATS16 = [numpy.float64, numpy.float32, numpy.float16]


def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)


def _normal(shape, dtype):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _seeded(xp, func, seed=7):
    """``func`` with the generator reseeded before each call (same noise every time)."""
    def f(*args):
        xp.random.seed(seed)
        return func(*args)
    return f


def _check_grads(xp, func, inputs, dtype):
    inputs = tuple(xp.asarray(a) for a in inputs)
    y = func(*inputs)
    gy = xp.asarray(_normal(y.shape, dtype))
    ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs)
    gradient_check.check_backward(func, inputs, gy, **_grad_opts(dtype))
    gradient_check.check_double_backward(func, inputs, gy, ggx, **_grad_opts(dtype))


# ----- dropout ----------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', [(3, 4), (2, 3, 5), (1,), (), (0, 3)])
@pytest.mark.parametrize('ratio', [0.0, 0.3, 0.5, 0.9])
def test_dropout_forward(xp, shape, dtype, ratio):
    x = xp.asarray(_normal(shape, dtype))
    y, mask = F.dropout(x, ratio, return_mask=True)
    assert y.dtype == dtype and y.shape == shape
    assert mask.dtype == dtype and mask.shape == shape
    scale = dtype(1 / (1 - ratio))
    m = dbr.backend.to_cpu(mask)
    assert numpy.all((m == 0) | (m == scale))
    testing.assert_allclose(y.array, dbr.backend.to_cpu(x) * m, atol=0, rtol=0)
    if ratio == 0.0:
        testing.assert_allclose(y.array, x, atol=0, rtol=0)


def test_dropout_matches_seeded_numpy_reference():
    x = _normal((50, 40), numpy.float32)
    numpy.random.seed(3)
    y = F.dropout(x, 0.25)
    numpy.random.seed(3)
    keep = numpy.random.random_sample(x.shape) >= 0.25
    expected = numpy.where(keep, x * numpy.float32(1 / 0.75), 0)
    assert y.dtype == numpy.float32
    testing.assert_allclose(y.array, expected, atol=0, rtol=0)


def test_dropout_scaling_statistics(xp):
    x = xp.ones((1000, 1000), numpy.float32)
    y = F.dropout(x, 0.3).array
    dropped = float((y == 0).mean())
    assert abs(dropped - 0.3) < 0.005  # std of the fraction is about 0.0005
    assert abs(float(y.mean()) - 1.0) < 0.01  # 1 / (1 - ratio) keeps the mean


def test_dropout_backward_reuses_forward_mask(xp):
    x = dbr.Variable(xp.asarray(_normal((30, 20), numpy.float32)))
    y, mask = F.dropout(x, 0.5, return_mask=True)
    gy = xp.asarray(_normal((30, 20), numpy.float32))
    y.grad = gy
    y.backward()
    testing.assert_allclose(x.grad, gy * mask, atol=0, rtol=0)
    # the same mask also in a second-order pass
    x.cleargrad()
    y = F.dropout(x, 0.5)
    gx, = dbr.grad([y], [x], [dbr.Variable(gy)], enable_double_backprop=True)
    assert bool(((gx.array != 0) == (y.array != 0)).all())


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(4, 3), (2, 3, 2), ()])
def test_dropout_grads(xp, shape, dtype):
    x = _normal(shape, dtype)
    _check_grads(xp, _seeded(xp, lambda v: F.dropout(v, 0.4)), (x,), dtype)


def test_dropout_grads_given_mask(xp):
    x = _normal((3, 4), numpy.float64)
    mask = xp.asarray((numpy.random.uniform(size=(3, 4)) > 0.5) * 2.0)
    _check_grads(xp, lambda v: F.dropout(v, mask=mask), (x,), numpy.float64)


def test_dropout_given_mask_is_used(xp):
    x = xp.asarray(_normal((2, 3), numpy.float32))
    mask = xp.asarray(numpy.array([[0, 2, 2], [2, 0, 0]], numpy.float32))
    y, m = F.dropout(x, 0.9, mask=mask, return_mask=True)
    assert m is mask
    testing.assert_allclose(y.array, x * mask, atol=0, rtol=0)


def test_dropout_transposed_input(xp):
    x = xp.asarray(_normal((4, 5), numpy.float32)).T
    y, mask = F.dropout(x, 0.5, return_mask=True)
    assert y.shape == (5, 4)
    testing.assert_allclose(y.array, x * mask, atol=0, rtol=0)


def test_dropout_mask_follows_the_input_memory_order():
    # A CPU convolution's output is batch-last in memory; the mask is drawn in that order.
    x = _normal((6, 5, 4, 3), numpy.float32).transpose(3, 0, 1, 2)   # memory order: 1, 2, 3, 0
    numpy.random.seed(5)
    y, mask = F.dropout(x, 0.25, return_mask=True)
    order = lambda a: tuple(numpy.argsort([-st for st in a.strides], kind='stable'))
    assert order(mask) == order(x) == order(y.array)
    numpy.random.seed(5)
    keep = numpy.random.random_sample((6, 5, 4, 3)).transpose(3, 0, 1, 2) >= 0.25
    testing.assert_allclose(mask, numpy.where(keep, numpy.float32(1 / 0.75), 0), atol=0, rtol=0)
    testing.assert_allclose(y.array, x * mask, atol=0, rtol=0)


def test_dropout_test_mode_is_identity(xp):
    x = dbr.Variable(xp.asarray(_normal((3, 4), numpy.float32)))
    with dbr.using_config('train', False):
        y = F.dropout(x, 0.5)
        y2, mask = F.dropout(x.array, 0.5, return_mask=True)
    assert y is x
    assert mask is None
    assert isinstance(y2, dbr.Variable) and not y2.requires_grad
    assert y2.array is x.array


@pytest.mark.parametrize('ratio', [1.0, -0.1, 1.5])
def test_dropout_bad_ratio(ratio):
    x = numpy.ones(3, numpy.float32)
    with pytest.raises(ValueError, match=fr'^dropout: ratio must be in \[0, 1\), got {ratio}'):
        F.dropout(x, ratio)


def test_dropout_bad_arguments():
    x = numpy.ones((2, 3), numpy.float32)
    with pytest.raises(ValueError, match="^dropout: the train argument is not supported"):
        F.dropout(x, train=True)
    with pytest.raises(TypeError, match=r"^dropout: unexpected keyword arguments \['foo'\]"):
        F.dropout(x, foo=1)
    with pytest.raises(InvalidType, match=r"^dropout: expected x.dtype.kind == 'f', got "
                                          r"x.dtype=int32"):
        F.dropout(numpy.ones(3, numpy.int32))
    with pytest.raises(InvalidType, match=r'^dropout: .*self.mask.shape=\(3, 2\), '
                                          r'x.shape=\(2, 3\)'):
        F.dropout(x, mask=numpy.ones((3, 2), numpy.float32))
    with pytest.raises(InvalidType, match=r'^dropout: .*self.mask.dtype=float64, '
                                          r'x.dtype=float32'):
        F.dropout(x, mask=numpy.ones((2, 3)))


# ----- gaussian ---------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', [(3, 4), (5,), (), (0, 2)])
def test_gaussian_forward(xp, shape, dtype):
    mean = _normal(shape, dtype)
    ln_var = _normal(shape, dtype)
    y, eps = F.gaussian(xp.asarray(mean), xp.asarray(ln_var), return_eps=True)
    assert y.dtype == dtype and y.shape == shape and eps.dtype == dtype and eps.shape == shape
    expected = (mean.astype(numpy.float64) + numpy.exp(ln_var.astype(numpy.float64) / 2)
                * dbr.backend.to_cpu(eps))
    tol = dict(atol=5e-3, rtol=5e-3) if dtype == numpy.float16 else dict(atol=1e-6, rtol=1e-5)
    testing.assert_allclose(y.array, expected, **tol)


def test_gaussian_statistics(xp):
    mean = xp.full((200000,), 1.5, numpy.float32)
    ln_var = xp.full((200000,), numpy.log(4.0), numpy.float32)
    y = F.gaussian(mean, ln_var).array
    assert abs(float(y.mean()) - 1.5) < 0.03  # std of the mean: 2 / sqrt(2e5) = 0.0045
    assert abs(float(y.std()) - 2.0) < 0.03


def test_gaussian_backward_reuses_eps(xp):
    mean = dbr.Variable(xp.asarray(_normal((4, 3), numpy.float64)))
    ln_var = dbr.Variable(xp.asarray(_normal((4, 3), numpy.float64)))
    y, eps = F.gaussian(mean, ln_var, return_eps=True)
    gy = xp.asarray(_normal((4, 3), numpy.float64))
    y.grad = gy
    y.backward()
    testing.assert_allclose(mean.grad, gy, atol=0, rtol=0)
    testing.assert_allclose(ln_var.grad, gy * xp.exp(ln_var.array / 2) * eps / 2,
                            atol=1e-12, rtol=1e-12)


def test_gaussian_given_eps(xp):
    mean = xp.asarray(_normal((2, 3), numpy.float32))
    ln_var = xp.asarray(_normal((2, 3), numpy.float32))
    eps = xp.asarray(_normal((2, 3), numpy.float32))
    y = F.gaussian(mean, ln_var, eps=eps)
    testing.assert_allclose(y.array, mean + xp.exp(ln_var / 2) * eps)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(4, 3), ()])
def test_gaussian_grads(xp, shape, dtype):
    inputs = (_normal(shape, dtype), _normal(shape, dtype))
    _check_grads(xp, _seeded(xp, F.gaussian), inputs, dtype)


def test_gaussian_transposed_inputs(xp):
    mean = xp.asarray(_normal((3, 4), numpy.float32)).T
    ln_var = xp.asarray(_normal((4, 3), numpy.float32))
    y, eps = F.gaussian(mean, ln_var, return_eps=True)
    testing.assert_allclose(y.array, mean + xp.exp(ln_var / 2) * eps)


def test_gaussian_errors():
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'^gaussian: expected mean.shape == ln_var.shape, '
                                          r'got mean.shape=\(2, 3\), ln_var.shape=\(3, 2\)'):
        F.gaussian(a, numpy.zeros((3, 2), numpy.float32))
    with pytest.raises(InvalidType, match='^gaussian: expected mean.dtype == ln_var.dtype'):
        F.gaussian(a, a.astype(numpy.float64))
    with pytest.raises(InvalidType, match="^gaussian: expected mean.dtype.kind == 'f'"):
        F.gaussian(a.astype(numpy.int32), a.astype(numpy.int32))
    with pytest.raises(InvalidType, match=r'^gaussian: .*self.eps.shape=\(3,\)'):
        F.gaussian(a, a, eps=numpy.zeros(3, numpy.float32))
    with pytest.raises(TypeError, match=r"^gaussian: unexpected keyword arguments \['train'\]"):
        F.gaussian(a, a, train=True)


# ----- gumbel_softmax ---------------------------------------------------------------------------

def test_gumbel_softmax_matches_seeded_numpy_reference():
    log_pi = numpy.log(numpy.random.dirichlet(numpy.ones(4), size=5)).astype(numpy.float32)
    numpy.random.seed(11)
    y = F.gumbel_softmax(log_pi, tau=0.5)
    numpy.random.seed(11)
    z = (log_pi.astype(numpy.float64) + numpy.random.gumbel(size=log_pi.shape)) / 0.5
    e = numpy.exp(z - z.max(axis=1, keepdims=True))
    assert y.dtype == numpy.float32
    testing.assert_allclose(y.array, e / e.sum(axis=1, keepdims=True), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape,axis', [((3, 4), 1), ((2, 3, 4), 2), ((2, 3, 4), -3), ((5,), 0)])
def test_gumbel_softmax_forward(xp, shape, axis, dtype):
    log_pi = xp.asarray(_normal(shape, dtype))
    y = F.gumbel_softmax(dbr.Variable(log_pi), tau=1.0, axis=axis)
    assert y.dtype == dtype and y.shape == shape
    assert bool((y.array >= 0).all())
    testing.assert_allclose(y.array.astype(numpy.float64).sum(axis=axis), 1.0, atol=1e-2
                            if dtype == numpy.float16 else 1e-6)


def test_gumbel_softmax_samples_the_categorical(xp):
    probs = numpy.array([0.2, 0.5, 0.3])
    log_pi = xp.asarray(numpy.tile(numpy.log(probs), (20000, 1)))
    y = F.gumbel_softmax(log_pi, tau=0.01).array
    freq = numpy.bincount(dbr.backend.to_cpu(y.argmax(axis=1)), minlength=3) / 20000.0
    numpy.testing.assert_allclose(freq, probs, atol=0.02)  # std of a frequency is about 0.0035


def test_gumbel_softmax_zero_dim(xp):
    y = F.gumbel_softmax(xp.asarray(numpy.float32(0.3)))
    assert y.shape == () and y.dtype == numpy.float32 and float(y.array) == 1.0


@pytest.mark.parametrize('dtype', FLOATS)
def test_gumbel_softmax_grads(xp, dtype):
    log_pi = _normal((3, 4), dtype)
    _check_grads(xp, _seeded(xp, lambda x: F.gumbel_softmax(x, tau=2.0)), (log_pi,), dtype)


def test_gumbel_softmax_transposed_input(xp):
    log_pi = xp.asarray(_normal((4, 3), numpy.float32)).T
    y = F.gumbel_softmax(log_pi, tau=1.0)
    testing.assert_allclose(y.array.sum(axis=1), 1.0)


def test_gumbel_softmax_errors():
    with pytest.raises(InvalidType, match=r"^gumbel_softmax: expected log_pi.dtype.kind == 'f', "
                                          r"got log_pi.dtype=int64"):
        F.gumbel_softmax(numpy.zeros((2, 3), numpy.int64))
    with pytest.raises(ValueError, match='^gumbel_softmax: tau must be positive, got 0'):
        F.gumbel_softmax(numpy.zeros((2, 3), numpy.float32), tau=0)
    with pytest.raises(InvalidType, match=r'^gumbel_softmax: expected axis in \[-2, 2\), got '
                                          r'axis=2, log_pi.shape=\(2, 3\)'):
        F.gumbel_softmax(numpy.zeros((2, 3), numpy.float32), axis=2)
