"""Tests of dbr.functions.resize: resize_images (bilinear with and without align_corners,
nearest), against a per-pixel NumPy reference written from Chainer's sampling rules."""
import math

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]
MODES = [('bilinear', True), ('bilinear', False), ('nearest', True)]
SIZES = [
    ((4, 5), (7, 3)),
    ((3, 3), (6, 6)),
    ((6, 8), (3, 4)),
    ((1, 4), (3, 2)),
    ((4, 4), (1, 1)),
    ((5, 4), (5, 4)),
]


def _fwd_tol(dtype):
    return {numpy.float64: dict(atol=1e-12, rtol=1e-10),
            numpy.float32: dict(atol=1e-6, rtol=1e-5),
            numpy.float16: dict(atol=5e-3, rtol=5e-3)}[numpy.dtype(dtype).type]


def _normal(shape, dtype):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _source(i, n_in, n_out, mode, align_corners):
    """(lower input index, weight of the upper one) sampled by output index ``i``."""
    if mode == 'nearest':
        return min(math.floor(i * n_in / n_out), n_in - 1), 0.0
    if align_corners:
        pos = i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        pos = max((i + 0.5) * n_in / n_out - 0.5, 0.0)
    lo = math.floor(pos)
    return lo, pos - lo


def _ref_resize(x, out_hw, mode, align_corners):
    x = numpy.asarray(x, numpy.float64)
    h, w = x.shape[2:]
    y = numpy.empty(x.shape[:2] + tuple(out_hw))
    for i in range(out_hw[0]):
        v0, fv = _source(i, h, out_hw[0], mode, align_corners)
        v1 = min(v0 + 1, h - 1)
        for j in range(out_hw[1]):
            u0, fu = _source(j, w, out_hw[1], mode, align_corners)
            u1 = min(u0 + 1, w - 1)
            y[:, :, i, j] = ((1 - fv) * ((1 - fu) * x[:, :, v0, u0] + fu * x[:, :, v0, u1])
                             + fv * ((1 - fu) * x[:, :, v1, u0] + fu * x[:, :, v1, u1]))
    return y


@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('mode,align_corners', MODES)
@pytest.mark.parametrize('in_hw,out_hw', SIZES)
def test_resize_images_forward(xp, in_hw, out_hw, mode, align_corners, dtype):
    x = _normal((2, 3) + in_hw, dtype)
    y = F.resize_images(dbr.Variable(xp.asarray(x)), out_hw, mode=mode,
                        align_corners=align_corners)
    assert y.shape == (2, 3) + out_hw and y.dtype == dtype
    testing.assert_allclose(y.array, _ref_resize(x, out_hw, mode, align_corners),
                            **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('mode,align_corners', MODES)
@pytest.mark.parametrize('in_hw,out_hw', SIZES[:4])
def test_resize_images_grads(xp, in_hw, out_hw, mode, align_corners, dtype):
    x = xp.asarray(_normal((2, 2) + in_hw, dtype))
    gy = xp.asarray(_normal((2, 2) + out_hw, dtype))
    ggx = xp.asarray(_normal(x.shape, dtype))
    opts = {} if dtype == numpy.float64 else dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)

    def func(v):
        return F.resize_images(v, out_hw, mode=mode, align_corners=align_corners)

    gradient_check.check_backward(func, x, gy, **opts)
    gradient_check.check_double_backward(func, x, gy, ggx, **opts)


def test_resize_images_corners_and_identity(xp):
    x = _normal((1, 2, 4, 6), numpy.float32)
    y = F.resize_images(xp.asarray(x), (7, 11)).array
    # align_corners=True (the default) keeps the four corner pixels.
    for i, j in [(0, 0), (0, -1), (-1, 0), (-1, -1)]:
        testing.assert_allclose(y[:, :, i, j], x[:, :, i, j], atol=1e-6, rtol=0)
    for mode, align in MODES:
        same = F.resize_images(xp.asarray(x), (4, 6), mode=mode, align_corners=align)
        testing.assert_allclose(same.array, x, atol=0, rtol=0)


def test_resize_images_noncontiguous_and_empty_batch(xp):
    x = _normal((2, 3, 5, 4), numpy.float64)
    xt = xp.asarray(x).transpose(0, 1, 3, 2)
    testing.assert_allclose(F.resize_images(xt, (3, 7)).array,
                            _ref_resize(x.transpose(0, 1, 3, 2), (3, 7), 'bilinear', True))
    v = dbr.Variable(xp.zeros((0, 3, 4, 4), numpy.float32))
    y = F.resize_images(v, (2, 5))
    assert y.shape == (0, 3, 2, 5)
    y.grad = xp.zeros(y.shape, numpy.float32)
    y.backward()
    assert v.grad.shape == (0, 3, 4, 4)


def test_resize_images_errors(xp):
    x = xp.zeros((1, 1, 4, 4), numpy.float32)
    with pytest.raises(InvalidType, match=r'^resize_images: expected x.ndim == 4, got '
                                          r'x.ndim=3'):
        F.resize_images(xp.zeros((1, 4, 4), numpy.float32), (2, 2))
    with pytest.raises(InvalidType, match=r'^resize_images: expected x.dtype.kind == .f., got '
                                          r'x.dtype=int32'):
        F.resize_images(xp.zeros((1, 1, 4, 4), numpy.int32), (2, 2))
    with pytest.raises(InvalidType, match=r'^resize_images: expected x.shape\[2\] \* '
                                          r'x.shape\[3\] > 0'):
        F.resize_images(xp.zeros((1, 1, 0, 4), numpy.float32), (2, 2))
    with pytest.raises(ValueError, match="^resize_images: mode must be 'bilinear' or "
                                         "'nearest', got 'bicubic'"):
        F.resize_images(x, (2, 2), mode='bicubic')
    for bad in [(0, 3), (3,), (2, 2, 2), 5]:
        with pytest.raises(ValueError, match=r'^resize_images: output_shape must be a pair of '
                                             r'positive ints \(h_out, w_out\), got '):
            F.resize_images(x, bad)
    with pytest.raises(TypeError):
        F.resize_images(x, (2, 2), 'nearest')  # mode is keyword-only, as in Chainer
