"""Tests of dbr.functions.activation: tanh."""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]
FLOATS16 = [numpy.float64, numpy.float32, numpy.float16]
SHAPES = [(3, 4), (), (1,), (0, 3), (2, 1, 3)]


def _uniform(shape, dtype, lo=-2.0, hi=2.0):
    return numpy.asarray(numpy.random.uniform(lo, hi, shape)).astype(dtype)


def _grad_opts(dtype):
    dtype = numpy.dtype(dtype)
    if dtype == numpy.float64:
        return {}
    if dtype == numpy.float32:
        return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)
    return dict(dtype=numpy.float64, eps=1e-2, atol=1e-2, rtol=1e-2)


@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_tanh_forward(xp, dtype, shape):
    x = _uniform(shape, dtype)
    y = F.tanh(dbr.Variable(xp.asarray(x)))
    assert isinstance(y, dbr.Variable)
    assert y.shape == shape and y.dtype == dtype
    tol = {numpy.float64: dict(atol=1e-12, rtol=1e-10), numpy.float32: dict(atol=1e-6, rtol=1e-5),
           numpy.float16: dict(atol=1e-3, rtol=5e-3)}[dtype]
    testing.assert_allclose(y.array, numpy.tanh(x.astype(numpy.float64)), **tol)


@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_tanh_grads(xp, dtype, shape):
    x = xp.asarray(_uniform(shape, dtype))
    gy = xp.asarray(_uniform(shape, dtype, -1, 1))
    ggx = xp.asarray(_uniform(shape, dtype, -1, 1))
    gradient_check.check_backward(F.tanh, x, gy, **_grad_opts(dtype))
    gradient_check.check_double_backward(F.tanh, x, gy, ggx, **_grad_opts(dtype))


def test_tanh_grads_float16(xp):
    x = xp.asarray(_uniform((3, 4), numpy.float16))
    gy = xp.asarray(_uniform((3, 4), numpy.float16, -1, 1))
    gradient_check.check_backward(F.tanh, x, gy, **_grad_opts(numpy.float16))


@pytest.mark.parametrize('dtype', FLOATS)
def test_tanh_third_order(xp, dtype):
    """The gradient of tanh's double backward (TanhGrad's backward is differentiable too)."""
    x = _uniform((2, 3), dtype)

    def first(v):
        gx, = dbr.grad([F.sum(F.tanh(v))], [v], enable_double_backprop=True)
        return gx

    gy = xp.asarray(_uniform((2, 3), dtype, -1, 1))
    ggx = xp.asarray(_uniform((2, 3), dtype, -1, 1))
    gradient_check.check_double_backward(first, xp.asarray(x), gy, ggx, **_grad_opts(dtype))


def test_tanh_gradient_matches_reference(xp):
    x = _uniform((2, 3), numpy.float64)
    gy = _uniform((2, 3), numpy.float64)
    v = dbr.Variable(xp.asarray(x))
    y = F.tanh(v)
    y.grad = xp.asarray(gy)
    y.backward(enable_double_backprop=True)
    testing.assert_allclose(v.grad, gy * (1 - numpy.tanh(x) ** 2), atol=1e-12, rtol=1e-10)
    # second derivative: d/dx sum(gy * (1 - tanh^2)) = -2 tanh (1 - tanh^2) gy
    gx = v.grad_var
    v.cleargrad()
    F.sum(gx).backward()
    t = numpy.tanh(x)
    testing.assert_allclose(v.grad, -2 * t * (1 - t ** 2) * gy, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOATS16)
def test_tanh_saturates_without_warnings(xp, dtype):
    x = numpy.array([-30.0, -10.0, 0.0, 10.0, 30.0], dtype)
    v = dbr.Variable(xp.asarray(x))
    y = F.tanh(v)
    testing.assert_allclose(y.array, numpy.tanh(x.astype(numpy.float64)), atol=1e-3, rtol=0)
    F.sum(y).backward()
    assert v.grad.dtype == dtype
    expected = 1 - numpy.tanh(x.astype(numpy.float64)) ** 2
    testing.assert_allclose(v.grad, expected, atol=1e-3, rtol=1e-3)


def test_tanh_of_plain_array(xp):
    x = _uniform((3,), numpy.float32)
    y = F.tanh(xp.asarray(x))
    assert isinstance(y, dbr.Variable) and not y.requires_grad and y.creator is None
    testing.assert_allclose(y.array, numpy.tanh(x.astype(numpy.float64)), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('bad_dtype', [numpy.int32, numpy.int64, numpy.bool_])
def test_tanh_rejects_non_float(bad_dtype):
    x = dbr.Variable(numpy.zeros(3, bad_dtype))
    with pytest.raises(InvalidType, match=fr"^tanh: expected x\.dtype\.kind == 'f', got "
                                          fr"x\.dtype={numpy.dtype(bad_dtype).name}$"):
        F.tanh(x)


def test_tanh_rejects_two_inputs():
    x = dbr.Variable(numpy.zeros(3))
    node = dbr.functions.activation.tanh.Tanh()
    with pytest.raises(InvalidType, match=r'^tanh: expected 1 inputs \(x\), got 2$'):
        node.apply((x, x))
