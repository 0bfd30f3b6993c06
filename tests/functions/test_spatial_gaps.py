"""Tests of the spatial functions added for Chainer v7 compatibility.

1-D/3-D pooling and unpooling, spatial pyramid pooling, the ROI poolings and aligns,
depth2space/space2depth, the spatial transformer grid and sampler, dilated and local
convolutions. Forward results are compared with naive NumPy loops written from Chainer's
documented (and, where the docs are silent, its CPU code's) semantics, gradients with
``check_backward`` / ``check_double_backward``.
"""
import math

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr.backend import to_cpu as backend_cpu
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]


# ----- helpers ----------------------------------------------------------------------------------

def _fwd_tol(dtype):
    return {numpy.float64: dict(atol=1e-12, rtol=1e-10),
            numpy.float32: dict(atol=1e-5, rtol=1e-5)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _normal(shape, dtype):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _distinct(shape, dtype):
    """Values 0.1 apart in random order: no ties, argmax stable under a 1e-3 step."""
    size = int(numpy.prod(shape))
    return (numpy.random.permutation(size).reshape(shape) * 0.1 - 0.05 * size).astype(dtype)


def _check_grads(func, inputs, dtype, xp, double=True, no_grads=None):
    """check_backward (and check_double_backward) of ``func`` at host arrays ``inputs``."""
    inputs = tuple(xp.asarray(a) for a in inputs)
    with dbr.no_backprop_mode():
        y = func(*inputs)
    gy = xp.asarray(_normal(y.shape, dtype))
    opts = _grad_opts(dtype)
    gradient_check.check_backward(func, inputs, gy, no_grads=no_grads, **opts)
    if double:
        if no_grads is None:
            no_grads = [a.dtype.kind != 'f' for a in inputs]
        ggx = tuple(xp.asarray(_normal(a.shape, dtype))
                    for a, ng in zip(inputs, no_grads) if not ng)
        gradient_check.check_double_backward(func, inputs, gy, ggx, no_grads=no_grads, **opts)


def _windows_1d(size, k, s, p, cover_all):
    out = (size + 2 * p - k + (s - 1 if cover_all else 0)) // s + 1
    return [[o * s + j - p for j in range(k)] for o in range(out)]


# ----- 1-D and 3-D pooling and unpooling --------------------------------------------------------

def _ref_max_pool_1d(x, k, s, p, cover_all):
    wins = _windows_1d(x.shape[2], k, s, p, cover_all)
    y = numpy.empty(x.shape[:2] + (len(wins),))
    for o, win in enumerate(wins):
        y[:, :, o] = numpy.max([x[:, :, i] if 0 <= i < x.shape[2] else
                                numpy.full(x.shape[:2], -numpy.inf) for i in win], axis=0)
    return y


def _ref_avg_pool_1d(x, k, s, p, pad_value):
    wins = _windows_1d(x.shape[2], k, s, p, False)
    y = numpy.empty(x.shape[:2] + (len(wins),))
    for o, win in enumerate(wins):
        inside = [i for i in win if 0 <= i < x.shape[2]]
        total = sum(x[:, :, i] for i in inside)
        y[:, :, o] = total / (k if pad_value == 0 else len(inside))
    return y


def _ref_pool_3d(x, k, mode):
    """Non-overlapping windows of size ``k`` (stride k, no padding, no remainder)."""
    n, c, d, h, w = x.shape
    blocks = x.reshape(n, c, d // k, k, h // k, k, w // k, k)
    return blocks.max(axis=(3, 5, 7)) if mode == 'max' else blocks.mean(axis=(3, 5, 7))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('k,s,p,cover_all', [(2, None, 0, True), (3, 2, 1, True),
                                             (3, 2, 1, False), (1, 1, 0, False)])
def test_max_pooling_1d(xp, k, s, p, cover_all, dtype):
    x = _distinct((2, 3, 7), dtype)
    y = F.max_pooling_1d(xp.asarray(x), k, s, p, cover_all)
    expected = _ref_max_pool_1d(x.astype(numpy.float64), k, k if s is None else s, p, cover_all)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    _check_grads(lambda v: F.max_pooling_1d(v, k, s, p, cover_all), (x,), dtype, xp)


def test_max_pooling_1d_return_indices(xp):
    x = numpy.array([[[1., 3., 2., 0., 5., 4.]]])
    y, idx = F.max_pooling_1d(xp.asarray(x), 2, return_indices=True)
    testing.assert_allclose(y.array, [[[3., 2., 5.]]])
    testing.assert_allclose(idx, [[[1, 0, 0]]])


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('k,s,p,pad_value', [(2, None, 0, 0), (3, 2, 1, 0), (3, 2, 1, None)])
def test_average_pooling_1d(xp, k, s, p, pad_value, dtype):
    x = _normal((2, 3, 7), dtype)
    y = F.average_pooling_1d(xp.asarray(x), k, s, p, pad_value)
    expected = _ref_avg_pool_1d(x.astype(numpy.float64), k, k if s is None else s, p,
                                pad_value)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    _check_grads(lambda v: F.average_pooling_1d(v, k, s, p, pad_value), (x,), dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
def test_max_and_average_pooling_3d(xp, dtype):
    x = _distinct((2, 2, 4, 2, 4), dtype)
    x64 = x.astype(numpy.float64)
    ym = F.max_pooling_3d(xp.asarray(x), 2)
    ya = F.average_pooling_3d(xp.asarray(x), 2)
    testing.assert_allclose(ym.array, _ref_pool_3d(x64, 2, 'max'), **_fwd_tol(dtype))
    testing.assert_allclose(ya.array, _ref_pool_3d(x64, 2, 'avg'), **_fwd_tol(dtype))
    _check_grads(lambda v: F.max_pooling_3d(v, 2), (x,), dtype, xp)
    _check_grads(lambda v: F.average_pooling_3d(v, 2), (x,), dtype, xp)


def test_pooling_3d_overlapping_windows_and_padding_agree_with_nd(xp):
    x = xp.asarray(_distinct((1, 2, 4, 3, 5), numpy.float64))
    args = ((3, 2, 2), (2, 1, 2), (1, 0, 1))
    testing.assert_allclose(F.max_pooling_3d(x, *args).array, F.max_pooling_nd(x, *args).array)
    testing.assert_allclose(F.average_pooling_3d(x, *args, pad_value=None).array,
                            F.average_pooling_nd(x, *args, pad_value=None).array)


@pytest.mark.parametrize('dtype', FLOATS)
def test_unpooling_1d(xp, dtype):
    x = _normal((2, 3, 3), dtype)
    y = F.unpooling_1d(xp.asarray(x), 2, cover_all=False)
    testing.assert_allclose(y.array, numpy.repeat(x, 2, axis=2), **_fwd_tol(dtype))
    # Overlapping windows add up; the explicit outsize must pool back to the input length.
    y = F.unpooling_1d(xp.asarray(x), 3, 2, outsize=7, cover_all=False)
    expected = numpy.zeros((2, 3, 7))
    for o in range(3):
        expected[:, :, 2 * o:2 * o + 3] += x[:, :, o:o + 1]
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    _check_grads(lambda v: F.unpooling_1d(v, 3, 2, outsize=7, cover_all=False), (x,), dtype,
                 xp)


@pytest.mark.parametrize('dtype', FLOATS)
def test_unpooling_3d(xp, dtype):
    x = _normal((1, 2, 2, 1, 3), dtype)
    y = F.unpooling_3d(xp.asarray(x), 2, cover_all=False)
    expected = x.repeat(2, axis=2).repeat(2, axis=3).repeat(2, axis=4)
    assert y.shape == (1, 2, 4, 2, 6)
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    _check_grads(lambda v: F.unpooling_3d(v, 2, cover_all=False), (x,), dtype, xp)


@pytest.mark.parametrize('name,shape', [
    ('max_pooling_1d', (1, 1, 4, 4)), ('average_pooling_1d', (1, 4)),
    ('unpooling_1d', (1, 1, 2, 2)), ('max_pooling_3d', (1, 1, 4, 4)),
    ('average_pooling_3d', (1, 1, 2, 2, 2, 2)), ('unpooling_3d', (1, 1, 2))])
def test_pooling_1d_3d_reject_other_ndims(xp, name, shape):
    nd = int(name[-2])
    with pytest.raises(ValueError, match=rf'{name}: x must be {nd + 2}-dimensional .*got shape '
                                         rf'\({", ".join(map(str, shape))}\)'):
        getattr(F, name)(xp.zeros(shape, numpy.float32), 2)


@pytest.mark.parametrize('name,shape', [('max_pooling_1d', (1, 1, 4)),
                                        ('average_pooling_3d', (1, 1, 2, 2, 2))])
def test_pooling_1d_3d_reject_integers_and_bad_windows(xp, name, shape):
    with pytest.raises(InvalidType, match=rf'{name}: expected x.dtype.kind == .f.'):
        getattr(F, name)(xp.zeros(shape, numpy.int32), 2)
    with pytest.raises(ValueError, match=rf'{name}: ksize must be an int or a tuple of '
                                         rf'{len(shape) - 2} ints, got \(2, 2, 2, 2\)'):
        getattr(F, name)(xp.zeros(shape, numpy.float32), (2, 2, 2, 2))
    with pytest.raises(ValueError, match=rf'{name}: ksize .* does not fit the input'):
        getattr(F, name)(xp.zeros(shape, numpy.float32), 5, 1, 0, *([False] if 'max' in name
                                                                  else []))


# ----- spatial_pyramid_pooling_2d ---------------------------------------------------------------

def _ref_spp(x, height):
    n, c, h, w = x.shape
    levels = []
    for level in range(height):
        bins = 2 ** level
        kh, kw = -(-h // bins), -(-w // bins)
        ph, pw = (kh * bins - h) // 2, (kw * bins - w) // 2
        oh = (h + 2 * ph - kh + kh - 1) // kh + 1
        ow = (w + 2 * pw - kw + kw - 1) // kw + 1
        padded = numpy.full((n, c, h + 2 * ph + kh, w + 2 * pw + kw), -numpy.inf)
        padded[:, :, ph:ph + h, pw:pw + w] = x
        y = numpy.empty((n, c, oh, ow))
        for i in range(oh):
            for j in range(ow):
                y[:, :, i, j] = padded[:, :, i * kh:i * kh + kh, j * kw:j * kw + kw].max(
                    axis=(2, 3))
        levels.append(y.reshape(n, -1))
    return numpy.concatenate(levels, axis=1)[:, :, None, None]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,height', [((2, 3, 9, 7), 3), ((1, 2, 4, 4), 2),
                                          ((2, 1, 5, 8), 1)])
def test_spatial_pyramid_pooling_2d(xp, shape, height, dtype):
    x = _distinct(shape, dtype)
    y = F.spatial_pyramid_pooling_2d(xp.asarray(x), height, pooling='max')
    expected = _ref_spp(x.astype(numpy.float64), height)
    assert y.shape == (shape[0], shape[1] * sum(4 ** i for i in range(height)), 1, 1)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    _check_grads(lambda v: F.spatial_pyramid_pooling_2d(v, height, 'max'), (x,), dtype, xp)


def test_spatial_pyramid_pooling_2d_pooling_class_spelling(xp):
    from dbr.functions.pooling.max_pooling_2d import MaxPooling2D
    x = xp.asarray(_distinct((1, 2, 6, 6), numpy.float32))
    testing.assert_allclose(F.spatial_pyramid_pooling_2d(x, 2, pooling_class=MaxPooling2D).array,
                            F.spatial_pyramid_pooling_2d(x, 2, 'max').array)


def test_spatial_pyramid_pooling_2d_errors(xp):
    x = xp.zeros((1, 2, 6, 6), numpy.float32)
    with pytest.raises(ValueError, match="spatial_pyramid_pooling_2d: pooling must be 'max'.* "
                                         'got None'):
        F.spatial_pyramid_pooling_2d(x, 2)
    with pytest.raises(ValueError, match="spatial_pyramid_pooling_2d: pooling must be 'max'.* "
                                         "got 'average'"):
        F.spatial_pyramid_pooling_2d(x, 2, 'average')
    with pytest.raises(ValueError, match='spatial_pyramid_pooling_2d: only max pooling'):
        F.spatial_pyramid_pooling_2d(x, 2, pooling_class=object)
    with pytest.raises(ValueError, match='spatial_pyramid_pooling_2d: pyramid_height must be '
                                         'a positive int, got 0'):
        F.spatial_pyramid_pooling_2d(x, 0, 'max')
    with pytest.raises(InvalidType, match=r'spatial_pyramid_pooling_2d: expected x.ndim == 4.*'
                                          r'x.shape=\(2, 6, 6\)'):
        F.spatial_pyramid_pooling_2d(x[0], 2, 'max')


# ----- ROI pooling and align: NumPy references ----------------------------------------------------

def _round(v):
    return math.copysign(math.floor(abs(v) + 0.5), v)


def _ref_roi_pool(x, rois, indices, outsize, scale, mode, inclusive=False):
    """Chainer's ROI pooling loops; ``rois`` rows (y_min, x_min, y_max, x_max)."""
    _, c, h, w = x.shape
    outh, outw = outsize
    y = numpy.zeros((len(rois), c, outh, outw))
    for r, (box, b) in enumerate(zip(rois, indices)):
        top, left, bottom, right = (_round(float(v) * scale) for v in box)
        bin_h = max(bottom - top + inclusive, 1) / outh
        bin_w = max(right - left + inclusive, 1) / outw
        for p in range(outh):
            hs = min(max(math.floor(p * bin_h) + top, 0), h)
            he = min(max(math.ceil((p + 1) * bin_h) + top, 0), h)
            for q in range(outw):
                ws = min(max(math.floor(q * bin_w) + left, 0), w)
                we = min(max(math.ceil((q + 1) * bin_w) + left, 0), w)
                if he <= hs or we <= ws:
                    continue
                patch = x[int(b), :, int(hs):int(he), int(ws):int(we)]
                y[r, :, p, q] = (patch.max(axis=(1, 2)) if mode == 'max'
                                 else patch.mean(axis=(1, 2)))
    return y


def _bilinear(img, yy, xx):
    """Chainer's ROI align sample of ``img (c, h, w)``; None when out of range."""
    _, h, w = img.shape
    if yy < -1 or yy > h or xx < -1 or xx > w:
        return None
    yy, xx = max(yy, 0.0), max(xx, 0.0)
    yl, xl = int(math.floor(yy)), int(math.floor(xx))
    if yl >= h - 1:
        yl = yh = h - 1
        yy = float(yl)
    else:
        yh = yl + 1
    if xl >= w - 1:
        xl = xh = w - 1
        xx = float(xl)
    else:
        xh = xl + 1
    ly, lx = yy - yl, xx - xl
    return ((1 - ly) * (1 - lx) * img[:, yl, xl] + (1 - ly) * lx * img[:, yl, xh]
            + ly * (1 - lx) * img[:, yh, xl] + ly * lx * img[:, yh, xh])


def _ref_roi_align(x, rois, indices, outsize, scale, ratio, mode):
    c = x.shape[1]
    outh, outw = outsize
    y = numpy.zeros((len(rois), c, outh, outw))
    for r, (box, b) in enumerate(zip(rois, indices)):
        top, left, bottom, right = (float(v) * scale for v in box)
        roi_h, roi_w = max(bottom - top, 1.0), max(right - left, 1.0)
        bin_h, bin_w = roi_h / outh, roi_w / outw
        gh = ratio[0] or math.ceil(roi_h / outh)
        gw = ratio[1] or math.ceil(roi_w / outw)
        for p in range(outh):
            for q in range(outw):
                samples = []
                for iy in range(gh):
                    yy = top + p * bin_h + (iy + 0.5) * bin_h / gh
                    for ix in range(gw):
                        xx = left + q * bin_w + (ix + 0.5) * bin_w / gw
                        v = _bilinear(x[int(b)], yy, xx)
                        if v is not None:
                            samples.append(v)
                if mode == 'avg':
                    y[r, :, p, q] = sum(samples, numpy.zeros(c)) / (gh * gw)
                elif samples:
                    y[r, :, p, q] = numpy.max(samples, axis=0)
    return y


# Boxes (y_min, x_min, y_max, x_max) in input coordinates: inside, crossing the border, one
# pixel, degenerate (max < min), fractional, and on the second image.
ROIS = numpy.array([[0.0, 0.0, 7.0, 9.0],
                     [2.2, -3.0, 9.5, 4.4],
                     [3.0, 3.0, 3.0, 3.0],
                     [5.0, 6.0, 1.0, 2.0],
                     [1.3, 2.7, 6.1, 8.9],
                     [-4.0, 6.0, 3.0, 20.0]])
ROI_INDICES = numpy.array([0, 1, 0, 1, 1, 0], numpy.int32)

ROI_FUNCS = {
    'roi_max_pooling_2d': lambda x, r, i, o, s: F.roi_max_pooling_2d(x, r, i, o, s),
    'roi_average_pooling_2d': lambda x, r, i, o, s: F.roi_average_pooling_2d(x, r, i, o, s),
    'roi_max_align_2d': lambda x, r, i, o, s: F.roi_max_align_2d(x, r, i, o, s, 2),
    'roi_average_align_2d': lambda x, r, i, o, s: F.roi_average_align_2d(x, r, i, o, s, 2),
}


def _mode(name):
    return 'max' if '_max_' in name else 'avg'


def _ref_roi(name, x, rois, indices, outsize, scale, ratio=(2, 2)):
    if name.endswith('pooling_2d'):
        return _ref_roi_pool(x, rois, indices, outsize, scale, _mode(name))
    return _ref_roi_align(x, rois, indices, outsize, scale, ratio, _mode(name))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('outsize,scale', [((3, 2), 1.0), (2, 0.5)])
@pytest.mark.parametrize('name', sorted(ROI_FUNCS))
def test_roi_functions_forward(xp, name, outsize, scale, dtype):
    x = _normal((2, 3, 8, 10), dtype)
    rois = ROIS.astype(dtype)
    y = ROI_FUNCS[name](xp.asarray(x), xp.asarray(rois), xp.asarray(ROI_INDICES), outsize,
                        scale)
    out = outsize if isinstance(outsize, tuple) else (outsize, outsize)
    expected = _ref_roi(name, x.astype(numpy.float64), rois, ROI_INDICES, out, scale)
    assert y.shape == (len(ROIS), 3) + out and y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('name', sorted(ROI_FUNCS))
def test_roi_functions_grads(xp, name, dtype):
    x = _distinct((2, 2, 6, 7), dtype)
    rois = numpy.array([[0.5, 0.0, 5.5, 6.0], [1.2, 2.1, 4.7, 9.0], [-1.0, 3.0, 2.0, 5.0]],
                       dtype)
    indices = numpy.array([1, 0, 1], numpy.int32)
    _check_grads(lambda v, r, i: ROI_FUNCS[name](v, r, i, (2, 3), 1.0), (x, rois, indices),
                 dtype, xp, no_grads=[False, True, True])


@pytest.mark.parametrize('name', ['roi_max_align_2d', 'roi_average_align_2d'])
def test_roi_align_automatic_sampling_ratio(xp, name):
    # sampling_ratio None: ceil(roi_size / outsize) samples per bin, different per ROI and axis.
    x = _normal((2, 3, 8, 10), numpy.float64)
    func = getattr(F, name)
    for ratio in [None, (None, 3), (1, None)]:
        y = func(xp.asarray(x), xp.asarray(ROIS), xp.asarray(ROI_INDICES), (2, 3), 0.8, ratio)
        r = (None, None) if ratio is None else ratio
        expected = _ref_roi_align(x, ROIS, ROI_INDICES, (2, 3), 0.8, r, _mode(name))
        testing.assert_allclose(y.array, expected, **_fwd_tol(numpy.float64))
    _check_grads(lambda v, r, i: func(v, r, i, 2, 0.8), (x, ROIS, ROI_INDICES),
                 numpy.float64, xp, no_grads=[False, True, True])


def test_roi_pooling_2d_is_roi_max_pooling_with_inclusive_corners(xp):
    x = _normal((2, 3, 8, 10), numpy.float64)
    # (batch_index, x_min, y_min, x_max, y_max), x_max/y_max being the last pixels inside.
    legacy = numpy.concatenate([ROI_INDICES[:, None], ROIS[:, [1, 0, 3, 2]]], axis=1)
    for scale in [1.0, 0.5]:
        y = F.roi_pooling_2d(xp.asarray(x), xp.asarray(legacy), 3, 2, scale)
        expected = _ref_roi_pool(x, ROIS, ROI_INDICES, (3, 2), scale, 'max', inclusive=True)
        testing.assert_allclose(y.array, expected)
    # The same boxes through roi_max_pooling_2d need their far corners one pixel further.
    whole = numpy.array([[0, 0, 0, 9, 7]], numpy.float64)
    testing.assert_allclose(
        F.roi_pooling_2d(xp.asarray(x), xp.asarray(whole), 2, 2, 1.0).array,
        F.roi_max_pooling_2d(xp.asarray(x), xp.asarray([[0., 0., 8., 10.]]),
                             xp.zeros(1, numpy.int32), 2, 1.0).array)
    _check_grads(lambda v, r: F.roi_pooling_2d(v, r, 2, 3, 1.0),
                 (_distinct((2, 2, 6, 7), numpy.float64), legacy[:3]), numpy.float64, xp,
                 no_grads=[False, True])


def test_roi_max_pooling_gradient_goes_to_first_maximum_once_per_bin(xp):
    x = xp.ones((1, 1, 4, 4))
    v = dbr.Variable(x)
    rois = xp.asarray([[0., 0., 4., 4.], [0., 0., 2., 2.]])
    y = F.roi_max_pooling_2d(v, rois, xp.zeros(2, numpy.int32), 2, 1.0)
    y.grad = xp.ones(y.shape)
    y.backward()
    expected = numpy.zeros((1, 1, 4, 4))
    expected[0, 0, ::2, ::2] = 1
    expected[0, 0, :2, :2] += numpy.array([[1, 1], [1, 1]])
    testing.assert_allclose(v.grad, expected, atol=0, rtol=0)


def test_roi_average_pooling_2d_empty_bins_give_zero_and_no_gradient(xp):
    x = dbr.Variable(xp.asarray(_normal((1, 2, 4, 4), numpy.float64)))
    # Entirely right of the image: every bin is clipped away.
    y = F.roi_average_pooling_2d(x, xp.asarray([[0., 6., 3., 9.]]), xp.zeros(1, numpy.int32),
                                 2, 1.0)
    testing.assert_allclose(y.array, numpy.zeros((1, 2, 2, 2)), atol=0, rtol=0)
    y.grad = xp.ones(y.shape)
    y.backward()
    testing.assert_allclose(x.grad, numpy.zeros((1, 2, 4, 4)), atol=0, rtol=0)


@pytest.mark.parametrize('name', sorted(ROI_FUNCS))
def test_roi_functions_bins_outside_the_last_image(xp, name):
    # Bins clipped away or sampled far past the end of the last image give 0 and no gradient.
    x = dbr.Variable(xp.asarray(_normal((2, 3, 5, 6), numpy.float64)))
    rois = xp.asarray([[3., 4., 12., 14.], [7., 8., 9., 10.]])
    y = ROI_FUNCS[name](x, rois, xp.ones(2, numpy.int32), (3, 2), 1.0)
    expected = _ref_roi(name, backend_cpu(x.array), backend_cpu(rois), [1, 1], (3, 2), 1.0)
    testing.assert_allclose(y.array, expected)
    testing.assert_allclose(y.array[1], numpy.zeros((3, 3, 2)), atol=0, rtol=0)
    y.grad = xp.ones(y.shape)
    y.backward()
    assert float(abs(x.grad[0]).sum()) == 0 and float(abs(x.grad[1]).sum()) > 0


@pytest.mark.parametrize('name', sorted(ROI_FUNCS))
def test_roi_functions_no_rois_and_noncontiguous_input(xp, name):
    x = _normal((2, 3, 10, 8), numpy.float64).transpose(0, 1, 3, 2)
    y = ROI_FUNCS[name](xp.asarray(x), xp.zeros((0, 4)), xp.zeros(0, numpy.int32), (2, 3), 1.0)
    assert y.shape == (0, 3, 2, 3)
    y = ROI_FUNCS[name](xp.asarray(x), xp.asarray(ROIS), xp.asarray(ROI_INDICES), 2, 1.0)
    expected = _ref_roi(name, numpy.ascontiguousarray(x), ROIS, ROI_INDICES, (2, 2), 1.0)
    testing.assert_allclose(y.array, expected)


def test_roi_functions_accept_variables_and_give_rois_no_gradient(xp):
    x = dbr.Variable(xp.asarray(_normal((2, 3, 8, 10), numpy.float32)))
    rois = dbr.Variable(xp.asarray(ROIS.astype(numpy.float32)))
    for name, func in ROI_FUNCS.items():
        y = func(x, rois, xp.asarray(ROI_INDICES), 2, 1.0)
        x.cleargrad()
        rois.cleargrad()
        F.sum(y).backward()
        assert x.grad is not None and rois.grad is None, name


@pytest.mark.parametrize('name', sorted(ROI_FUNCS))
def test_roi_functions_errors(xp, name):
    func = getattr(F, name)
    x = xp.zeros((2, 3, 6, 6), numpy.float32)
    rois = xp.asarray([[0., 0., 4., 4.]], numpy.float32)
    idx = xp.zeros(1, numpy.int32)
    with pytest.raises(InvalidType, match=rf'{name}: expected rois.shape\[1\] == 4, got '
                                          r'rois.shape=\(1, 5\)'):
        func(x, xp.zeros((1, 5), numpy.float32), idx, 2, 1.0)
    with pytest.raises(InvalidType, match=rf'{name}: expected roi_indices.shape\[0\] == '
                                          r'rois.shape\[0\]'):
        func(x, rois, xp.zeros(2, numpy.int32), 2, 1.0)
    with pytest.raises(InvalidType, match=rf'{name}: expected roi_indices.dtype.kind in .iu.'):
        func(x, rois, xp.zeros(1, numpy.float32), 2, 1.0)
    with pytest.raises(InvalidType, match=rf'{name}: expected x.ndim == 4'):
        func(x[0], rois, idx, 2, 1.0)
    with pytest.raises(InvalidType, match=rf"{name}: expected x.dtype.kind == 'f'"):
        func(xp.zeros((2, 3, 6, 6), numpy.int32), rois, idx, 2, 1.0)
    with pytest.raises(ValueError, match=rf'{name}: roi_indices must lie in \[0, 2\) .*got '
                                         r'values in \[2, 2\]'):
        func(x, rois, idx + 2, 2, 1.0)
    with pytest.raises(ValueError, match=rf'{name}: outsize must be a positive int.*got '
                                         r'\(2, 0\)'):
        func(x, rois, idx, (2, 0), 1.0)
    with pytest.raises(ValueError, match=rf'{name}: spatial_scale must be a positive number, '
                                         r'got -1.0'):
        func(x, rois, idx, 2, -1.0)


@pytest.mark.parametrize('name', ['roi_max_align_2d', 'roi_average_align_2d'])
def test_roi_align_sampling_ratio_errors(xp, name):
    x = xp.zeros((1, 1, 4, 4), numpy.float32)
    args = (xp.asarray([[0., 0., 4., 4.]], numpy.float32), xp.zeros(1, numpy.int32), 2, 1.0)
    for bad in [0, (2, -1), 1.5, (1, 2, 3)]:
        with pytest.raises(ValueError, match=rf'{name}: sampling_ratio must be a positive int '
                                             r'or None'):
            getattr(F, name)(x, *args, sampling_ratio=bad)


def test_roi_pooling_2d_errors(xp):
    x = xp.zeros((2, 1, 4, 4), numpy.float32)
    with pytest.raises(InvalidType, match=r'roi_pooling_2d: expected rois.shape\[1\] == 5'):
        F.roi_pooling_2d(x, xp.zeros((1, 4), numpy.float32), 2, 2, 1.0)
    with pytest.raises(ValueError, match=r'roi_pooling_2d: rois\[:, 0\] must lie in \[0, 2\)'):
        F.roi_pooling_2d(x, xp.asarray([[3., 0., 0., 1., 1.]], numpy.float32), 2, 2, 1.0)
    with pytest.raises(ValueError, match=r'roi_pooling_2d: rois\[:, 0\] must hold whole batch '
                                         r'indices'):
        F.roi_pooling_2d(x, xp.asarray([[0.5, 0., 0., 1., 1.]], numpy.float32), 2, 2, 1.0)
    with pytest.raises(ValueError, match=r'roi_pooling_2d: \(outh, outw\) must be a positive '
                                         r'int'):
        F.roi_pooling_2d(x, xp.zeros((1, 5), numpy.float32), 0, 2, 1.0)


# ----- depth2space / space2depth ----------------------------------------------------------------

def _ref_depth2space(x, r):
    n, crr, h, w = x.shape
    c = crr // (r * r)
    y = numpy.empty((n, c, h * r, w * r), x.dtype)
    for i in range(r):
        for j in range(r):
            for k in range(c):
                y[:, k, i::r, j::r] = x[:, (i * r + j) * c + k]
    return y


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,r', [((2, 8, 3, 2), 2), ((1, 9, 2, 2), 3), ((2, 3, 2, 4), 1)])
def test_depth2space_and_space2depth(xp, shape, r, dtype):
    x = _normal(shape, dtype)
    y = F.depth2space(xp.asarray(x), r)
    expected = _ref_depth2space(x, r)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, atol=0, rtol=0)
    back = F.space2depth(xp.asarray(expected), r)
    testing.assert_allclose(back.array, x, atol=0, rtol=0)
    _check_grads(lambda v: F.depth2space(v, r), (x,), dtype, xp)
    _check_grads(lambda v: F.space2depth(v, r), (expected,), dtype, xp)


def test_depth2space_matches_chainer_docstring_example(xp):
    x = xp.arange(24, dtype=numpy.float32).reshape(1, 4, 2, 3)
    testing.assert_allclose(F.depth2space(x, 2).array,
                            [[[[0, 6, 1, 7, 2, 8], [12, 18, 13, 19, 14, 20],
                               [3, 9, 4, 10, 5, 11], [15, 21, 16, 22, 17, 23]]]])


def test_depth2space_space2depth_noncontiguous(xp):
    x = _normal((2, 4, 6, 4), numpy.float64)
    xt = xp.asarray(x).transpose(0, 1, 3, 2)
    testing.assert_allclose(F.depth2space(xt, 2).array,
                            _ref_depth2space(numpy.ascontiguousarray(x.transpose(0, 1, 3, 2)), 2))
    testing.assert_allclose(F.depth2space(F.space2depth(xt, 2), 2).array, xt)


def test_depth2space_space2depth_errors(xp):
    with pytest.raises(InvalidType, match=r'depth2space: expected x.shape\[1\] % \(self.r \* '
                                          r'self.r\) == 0, got x.shape=\(1, 6, 2, 2\)'):
        F.depth2space(xp.zeros((1, 6, 2, 2), numpy.float32), 2)
    with pytest.raises(InvalidType, match=r'space2depth: expected x.shape\[3\] % self.r == 0, '
                                          r'got x.shape=\(1, 1, 4, 3\)'):
        F.space2depth(xp.zeros((1, 1, 4, 3), numpy.float32), 2)
    with pytest.raises(InvalidType, match=r'depth2space: expected x.ndim == 4'):
        F.depth2space(xp.zeros((4, 2, 2), numpy.float32), 2)
    with pytest.raises(InvalidType, match=r"space2depth: expected x.dtype.kind == 'f'"):
        F.space2depth(xp.zeros((1, 1, 2, 2), numpy.int32), 2)
    for func in (F.depth2space, F.space2depth):
        with pytest.raises(ValueError, match=rf'{func.__name__}: r must be a positive int, '
                                             r'got 0'):
            func(xp.zeros((1, 4, 2, 2), numpy.float32), 0)


# ----- spatial transformer ----------------------------------------------------------------------

def _ref_grid(theta, shape):
    h, w = shape
    ys, xs = numpy.meshgrid(numpy.linspace(-1, 1, h), numpy.linspace(-1, 1, w), indexing='ij')
    points = numpy.stack([xs.ravel(), ys.ravel(), numpy.ones(h * w)])
    return numpy.einsum('nij,jp->nip', theta, points).reshape(len(theta), 2, h, w)


def _ref_sample(x, grid):
    """Bilinear sampling of a zero-padded image, as Chainer's CPU sampler does it."""
    n, c, h, w = x.shape
    padded = numpy.zeros((n, c, h + 2, w + 2))
    padded[:, :, 1:-1, 1:-1] = x
    y = numpy.zeros((n, c) + grid.shape[2:])
    for b in range(n):
        for i, j in numpy.ndindex(*grid.shape[2:]):
            u = min(max((grid[b, 0, i, j] + 1) * (w - 1) / 2 + 1, 0), w + 1)
            v = min(max((grid[b, 1, i, j] + 1) * (h - 1) / 2 + 1, 0), h + 1)
            u0, v0 = min(int(math.floor(u)), w), min(int(math.floor(v)), h)
            y[b, :, i, j] = ((u0 + 1 - u) * (v0 + 1 - v) * padded[b, :, v0, u0]
                             + (u - u0) * (v0 + 1 - v) * padded[b, :, v0, u0 + 1]
                             + (u0 + 1 - u) * (v - v0) * padded[b, :, v0 + 1, u0]
                             + (u - u0) * (v - v0) * padded[b, :, v0 + 1, u0 + 1])
    return y


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(3, 4), (1, 5), (2, 1)])
def test_spatial_transformer_grid(xp, shape, dtype):
    theta = _normal((2, 2, 3), dtype)
    y = F.spatial_transformer_grid(xp.asarray(theta), shape)
    assert y.shape == (2, 2) + shape and y.dtype == dtype
    testing.assert_allclose(y.array, _ref_grid(theta.astype(numpy.float64), shape),
                            **_fwd_tol(dtype))
    _check_grads(lambda t: F.spatial_transformer_grid(t, shape), (theta,), dtype, xp)


def test_spatial_transformer_grid_errors(xp):
    with pytest.raises(InvalidType, match=r'spatial_transformer_grid: expected '
                                          r'theta.shape\[1:\] == \(2, 3\), got '
                                          r'theta.shape=\(1, 3, 3\)'):
        F.spatial_transformer_grid(xp.zeros((1, 3, 3), numpy.float32), (2, 2))
    with pytest.raises(ValueError, match=r'spatial_transformer_grid: output_shape must be a '
                                         r'pair of positive ints, got 4'):
        F.spatial_transformer_grid(xp.zeros((1, 2, 3), numpy.float32), 4)


@pytest.mark.parametrize('dtype', FLOATS)
def test_spatial_transformer_sampler(xp, dtype):
    x = _normal((2, 3, 4, 5), dtype)
    # Points inside, in the one-pixel zero border, and far outside the image.
    grid = numpy.random.uniform(-1.8, 1.8, (2, 2, 3, 4)).astype(dtype)
    y = F.spatial_transformer_sampler(xp.asarray(x), xp.asarray(grid))
    assert y.shape == (2, 3, 3, 4) and y.dtype == dtype
    testing.assert_allclose(y.array, _ref_sample(x.astype(numpy.float64),
                                                 grid.astype(numpy.float64)), **_fwd_tol(dtype))
    _check_grads(F.spatial_transformer_sampler, (x, grid), dtype, xp)


def test_spatial_transformer_identity_warp_and_far_points(xp):
    x = xp.asarray(_normal((2, 3, 4, 5), numpy.float64))
    identity = xp.asarray(numpy.tile([[[1., 0., 0.], [0., 1., 0.]]], (2, 1, 1)))
    grid = F.spatial_transformer_grid(identity, (4, 5))
    testing.assert_allclose(F.spatial_transformer_sampler(x, grid).array, x)
    # A point farther than a pixel outside reads zero and gets no coordinate gradient.
    far = dbr.Variable(xp.full((2, 2, 1, 1), 3.0))
    v = dbr.Variable(x)
    y = F.spatial_transformer_sampler(v, far)
    testing.assert_allclose(y.array, numpy.zeros((2, 3, 1, 1)), atol=0, rtol=0)
    F.sum(y).backward()
    testing.assert_allclose(far.grad, numpy.zeros((2, 2, 1, 1)), atol=0, rtol=0)
    testing.assert_allclose(v.grad, numpy.zeros(x.shape), atol=0, rtol=0)


def test_spatial_transformer_sampler_noncontiguous(xp):
    x = _normal((2, 3, 5, 4), numpy.float64)
    grid = numpy.random.uniform(-1, 1, (2, 2, 2, 3))
    xt = xp.asarray(x).transpose(0, 1, 3, 2)
    testing.assert_allclose(F.spatial_transformer_sampler(xt, xp.asarray(grid)).array,
                            _ref_sample(numpy.ascontiguousarray(x.transpose(0, 1, 3, 2)), grid))


def test_spatial_transformer_sampler_errors(xp):
    x = xp.zeros((2, 1, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'spatial_transformer_sampler: expected '
                                          r'grid.shape\[1\] == 2'):
        F.spatial_transformer_sampler(x, xp.zeros((2, 3, 2, 2), numpy.float32))
    with pytest.raises(InvalidType, match=r'spatial_transformer_sampler: expected '
                                          r'grid.shape\[0\] == x.shape\[0\]'):
        F.spatial_transformer_sampler(x, xp.zeros((1, 2, 2, 2), numpy.float32))
    with pytest.raises(InvalidType, match=r'spatial_transformer_sampler: expected '
                                          r'grid.dtype == x.dtype'):
        F.spatial_transformer_sampler(x, xp.zeros((2, 2, 2, 2), numpy.float64))


# ----- dilated and local convolutions -----------------------------------------------------------

def _ref_conv(x, W, b, stride, pad, dilate):
    n, c, h, w = x.shape
    o, _, kh, kw = W.shape
    (sy, sx), (ph, pw), (dy, dx) = stride, pad, dilate
    xpad = numpy.zeros((n, c, h + 2 * ph, w + 2 * pw))
    xpad[:, :, ph:ph + h, pw:pw + w] = x
    oh = (h + 2 * ph - (kh - 1) * dy - 1) // sy + 1
    ow = (w + 2 * pw - (kw - 1) * dx - 1) // sx + 1
    y = numpy.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xpad[:, :, i * sy:i * sy + (kh - 1) * dy + 1:dy,
                         j * sx:j * sx + (kw - 1) * dx + 1:dx]
            y[:, :, i, j] = numpy.einsum('nckl,ockl->no', patch, W)
    return y if b is None else y + b[:, None, None]


def _ref_local_conv(x, W, b, stride):
    o, oh, ow, c, kh, kw = W.shape
    sy, sx = stride
    y = numpy.zeros((x.shape[0], o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sy:i * sy + kh, j * sx:j * sx + kw]
            y[:, :, i, j] = numpy.einsum('nckl,ockl->no', patch, W[:, i, j])
    return y if b is None else y + b


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('stride,pad,dilate,nobias', [(1, 0, 2, False), ((2, 1), (2, 1),
                                                                         (1, 3), True)])
def test_dilated_convolution_2d(xp, stride, pad, dilate, nobias, dtype):
    x = _normal((2, 3, 7, 8), dtype)
    W = _normal((4, 3, 3, 2), dtype)
    b = None if nobias else _normal(4, dtype)
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    args = (xp.asarray(x), xp.asarray(W)) + (() if nobias else (xp.asarray(b),))
    y = F.dilated_convolution_2d(*args, stride=stride, pad=pad, dilate=dilate)
    expected = _ref_conv(x.astype(numpy.float64), W.astype(numpy.float64),
                         None if nobias else b.astype(numpy.float64), pair(stride), pair(pad),
                         pair(dilate))
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    inputs = (x, W) if nobias else (x, W, b)
    _check_grads(lambda *v: F.dilated_convolution_2d(*v, stride=stride, pad=pad, dilate=dilate),
                 inputs, dtype, xp)


def test_dilated_convolution_2d_argument_order_and_errors(xp):
    x = xp.asarray(_normal((1, 2, 9, 9), numpy.float64))
    W = xp.asarray(_normal((3, 2, 3, 3), numpy.float64))
    # Positional (stride, pad, dilate, cover_all), unlike convolution_2d's.
    testing.assert_allclose(F.dilated_convolution_2d(x, W, None, 2, 1, 2, True).array,
                            F.convolution_2d(x, W, None, 2, 1, True, 2).array)
    with pytest.raises(InvalidType, match=r'dilated_convolution_2d: expected the dilated '
                                          r'kernel .*dilate=\(5, 5\)'):
        F.dilated_convolution_2d(x, W, dilate=5)
    with pytest.raises(InvalidType, match=r'dilated_convolution_2d: expected x.shape\[1\] == '
                                          r'W.shape\[1\]'):
        F.dilated_convolution_2d(x, W[:, :1], dilate=2)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('stride,nobias', [(1, False), ((2, 3), True)])
def test_local_convolution_2d(xp, stride, nobias, dtype):
    sy, sx = (stride, stride) if isinstance(stride, int) else stride
    x = _normal((2, 3, 6, 8), dtype)
    oh, ow = (6 - 3) // sy + 1, (8 - 2) // sx + 1
    W = _normal((4, oh, ow, 3, 3, 2), dtype)
    b = None if nobias else _normal((4, oh, ow), dtype)
    args = (xp.asarray(x), xp.asarray(W)) + (() if nobias else (xp.asarray(b),))
    y = F.local_convolution_2d(*args, stride=stride)
    expected = _ref_local_conv(x.astype(numpy.float64), W.astype(numpy.float64),
                               None if nobias else b.astype(numpy.float64), (sy, sx))
    assert y.shape == (2, 4, oh, ow) and y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    inputs = (x, W) if nobias else (x, W, b)
    _check_grads(lambda *v: F.local_convolution_2d(*v, stride=stride), inputs, dtype, xp)


def test_local_convolution_2d_noncontiguous_and_size_one(xp):
    x = _normal((2, 2, 4, 3), numpy.float64)
    W = _normal((1, 2, 1, 2, 3, 3), numpy.float64)
    xt = xp.asarray(x.transpose(0, 1, 3, 2).copy()).transpose(0, 1, 3, 2)
    testing.assert_allclose(F.local_convolution_2d(xt, xp.asarray(W)).array,
                            _ref_local_conv(x, W, None, (1, 1)))


def test_local_convolution_2d_errors(xp):
    x = xp.zeros((2, 3, 6, 6), numpy.float32)
    W = xp.zeros((4, 4, 4, 3, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'local_convolution_2d: expected W.shape\[1\] == '
                                          r'\(x.shape\[2\] - W.shape\[4\]\) // self.stride\[0\] '
                                          r'\+ 1'):
        F.local_convolution_2d(x, W, stride=2)
    with pytest.raises(InvalidType, match=r'local_convolution_2d: expected x.shape\[1\] == '
                                          r'W.shape\[3\]'):
        F.local_convolution_2d(x[:, :2], W)
    with pytest.raises(InvalidType, match=r'local_convolution_2d: expected b is None or '
                                          r'b.shape == W.shape\[:3\]'):
        F.local_convolution_2d(x, W, xp.zeros(4, numpy.float32))
    with pytest.raises(InvalidType, match=r'local_convolution_2d: expected W.ndim == 6'):
        F.local_convolution_2d(x, W[0])
    with pytest.raises(ValueError, match=r'local_convolution_2d: stride must be >= 1'):
        F.local_convolution_2d(x, W, stride=0)
