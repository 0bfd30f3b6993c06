"""Tests of dbr.functions.connection: linear, bilinear, embed_id, im2col, (de)convolutions.

Every op: forward against a plain NumPy reference (direct loops over output positions and
kernel offsets on tiny shapes), ``check_backward`` and ``check_double_backward`` in float64
(default tolerances) and float32 (numerical side in float64), and its bad inputs. The
convolutions run with each column layout forced (batch-first and batch-last), since the
automatic choice depends on the shapes.
"""
import itertools

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr import testing
from dbr.functions.connection import _im2col
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]
FLOATS16 = [numpy.float64, numpy.float32, numpy.float16]


# ----- helpers ----------------------------------------------------------------------------------

def _fwd_tol(dtype):
    return {numpy.float64: dict(atol=1e-12, rtol=1e-10),
            numpy.float32: dict(atol=1e-5, rtol=1e-4),
            numpy.float16: dict(atol=5e-2, rtol=5e-2)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _normal(shape, dtype=numpy.float64):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _check_grads(func, inputs, dtype, xp):
    """check_backward and check_double_backward of ``func`` at host arrays ``inputs``."""
    inputs = tuple(xp.asarray(a) for a in inputs)
    with dbr.no_backprop_mode():
        y = func(*inputs)
    gy = xp.asarray(_normal(y.shape, dtype))
    opts = _grad_opts(dtype)
    gradient_check.check_backward(func, inputs, gy, **opts)
    ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs if a.dtype.kind == 'f')
    gradient_check.check_double_backward(func, inputs, gy, ggx, **opts)


def _assert_layout(y, layout, xp):
    """Results are C-contiguous, except batch-last ones on the CPU: memory order (C, *S, N)."""
    a = y.array
    if layout == 'batch_last' and xp is numpy:
        inner = a.transpose(tuple(range(1, a.ndim)) + (0,)).strides
        assert a.strides[0] == a.itemsize
        assert list(inner) == sorted(inner, reverse=True)
    else:
        assert a.flags.c_contiguous


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


@pytest.fixture(params=['batch_first', 'batch_last'])
def layout(request, monkeypatch):
    """Forces the column layout of every convolution in the test."""
    batch_last = request.param == 'batch_last'
    monkeypatch.setattr(_im2col, 'use_batch_last', lambda *args: batch_last)
    return request.param


# ----- NumPy references -------------------------------------------------------------------------

def _ref_conv(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    x = numpy.asarray(x, numpy.float64)
    W = numpy.asarray(W, numpy.float64)
    nd = x.ndim - 2
    stride, pad, dilate = (_tuple(v, nd) for v in (stride, pad, dilate))
    n, c = x.shape[:2]
    o = W.shape[0]
    ksize = W.shape[2:]
    out = []
    for size, k, s, p, d in zip(x.shape[2:], ksize, stride, pad, dilate):
        dk = (k - 1) * d + 1
        out.append((size + 2 * p - dk + (s - 1 if cover_all else 0)) // s + 1)
    padded = numpy.zeros((n, c) + tuple(size + 2 * p + s for size, p, s in
                                         zip(x.shape[2:], pad, stride)))
    padded[(slice(None), slice(None)) + tuple(slice(p, p + size) for p, size in
                                              zip(pad, x.shape[2:]))] = x
    y = numpy.zeros((n, o) + tuple(out))
    cg, og = c // groups, o // groups
    for pos in itertools.product(*map(range, out)):
        for kk in itertools.product(*map(range, ksize)):
            idx = tuple(q * s + j * d for q, j, s, d in zip(pos, kk, stride, dilate))
            patch = padded[(slice(None), slice(None)) + idx]
            for g in range(groups):
                w = W[(slice(g * og, (g + 1) * og), slice(None)) + kk]
                y[(slice(None), slice(g * og, (g + 1) * og)) + pos] += \
                    patch[:, g * cg:(g + 1) * cg] @ w.T
    if b is not None:
        y += numpy.asarray(b, numpy.float64).reshape((o,) + (1,) * nd)
    return y


def _ref_deconv(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    x = numpy.asarray(x, numpy.float64)
    W = numpy.asarray(W, numpy.float64)
    nd = x.ndim - 2
    stride, pad, dilate = (_tuple(v, nd) for v in (stride, pad, dilate))
    n, c = x.shape[:2]
    ksize = W.shape[2:]
    cg, og = c // groups, W.shape[1]
    if outsize is None:
        outsize = tuple(s * (h - 1) + (k - 1) * d + 1 - 2 * p for h, k, s, p, d in
                        zip(x.shape[2:], ksize, stride, pad, dilate))
    full = tuple(max((h - 1) * s + (k - 1) * d + 1, p + o) for h, k, s, p, d, o in
                 zip(x.shape[2:], ksize, stride, pad, dilate, outsize))
    y = numpy.zeros((n, og * groups) + full)
    for pos in itertools.product(*map(range, x.shape[2:])):
        for kk in itertools.product(*map(range, ksize)):
            idx = tuple(q * s + j * d for q, j, s, d in zip(pos, kk, stride, dilate))
            for g in range(groups):
                w = W[(slice(g * cg, (g + 1) * cg), slice(None)) + kk]
                y[(slice(None), slice(g * og, (g + 1) * og)) + idx] += \
                    x[(slice(None), slice(g * cg, (g + 1) * cg)) + pos] @ w
    y = y[(slice(None), slice(None)) + tuple(slice(p, p + o) for p, o in zip(pad, outsize))]
    if b is not None:
        y = y + numpy.asarray(b, numpy.float64).reshape((-1,) + (1,) * nd)
    return y


def _ref_im2col(x, ksize, stride=1, pad=0, cover_all=False, dilate=1):
    x = numpy.asarray(x, numpy.float64)
    (kh, kw), (sy, sx), (ph, pw), (dy, dx) = (_tuple(v, 2) for v in (ksize, stride, pad, dilate))
    n, c, h, w = x.shape
    extra = (sy - 1, sx - 1) if cover_all else (0, 0)
    oh = (h + 2 * ph - (kh - 1) * dy - 1 + extra[0]) // sy + 1
    ow = (w + 2 * pw - (kw - 1) * dx - 1 + extra[1]) // sx + 1
    y = numpy.zeros((n, c, kh, kw, oh, ow))
    for i, j, oy, ox in itertools.product(range(kh), range(kw), range(oh), range(ow)):
        iy, ix = oy * sy + i * dy - ph, ox * sx + j * dx - pw
        if 0 <= iy < h and 0 <= ix < w:
            y[:, :, i, j, oy, ox] = x[:, :, iy, ix]
    return y.reshape(n, c * kh * kw, oh, ow)


def _ref_depthwise(x, W, b=None, stride=1, pad=0):
    x = numpy.asarray(x, numpy.float64)
    W = numpy.asarray(W, numpy.float64)
    (sy, sx), (ph, pw) = _tuple(stride, 2), _tuple(pad, 2)
    n, c, h, w = x.shape
    m, _, kh, kw = W.shape
    oh = (h + 2 * ph - kh) // sy + 1
    ow = (w + 2 * pw - kw) // sx + 1
    y = numpy.zeros((n, c * m, oh, ow))
    for ci, d, oy, ox, i, j in itertools.product(range(c), range(m), range(oh), range(ow),
                                                 range(kh), range(kw)):
        iy, ix = oy * sy + i - ph, ox * sx + j - pw
        if 0 <= iy < h and 0 <= ix < w:
            y[:, ci * m + d, oy, ox] += x[:, ci, iy, ix] * W[d, ci, i, j]
    if b is not None:
        y += numpy.asarray(b, numpy.float64).reshape(-1, 1, 1)
    return y


def test_references_agree_with_each_other():
    # The convolution and deconvolution references are adjoint: <conv(x), gy> = <x, deconv(gy)>.
    x = _normal((2, 4, 5, 6))
    W = _normal((6, 2, 3, 2))
    kw = dict(stride=(2, 1), pad=(1, 2), dilate=(1, 2), groups=2)
    y = _ref_conv(x, W, **kw)
    gy = _normal(y.shape)
    gx = _ref_deconv(gy, W, outsize=x.shape[2:], **kw)
    assert numpy.isclose((y * gy).sum(), (x * gx).sum())


# ----- convolution_2d ---------------------------------------------------------------------------

CONV2D_CASES = [
    # x shape, W shape, bias?, keyword arguments
    ((2, 3, 5, 5), (4, 3, 3, 3), True, {}),
    ((2, 3, 5, 5), (4, 3, 3, 3), True, dict(stride=2, pad=1)),
    ((2, 2, 5, 6), (3, 2, 2, 3), True, dict(pad=(1, 2), dilate=2)),
    ((2, 4, 5, 5), (6, 2, 3, 3), True, dict(stride=(1, 2), groups=2)),
    ((2, 2, 5, 5), (3, 2, 2, 2), True, dict(stride=2, cover_all=True)),
    ((1, 3, 4, 5), (2, 3, 3, 2), False, dict(pad=1)),
    ((2, 3, 4, 4), (5, 3, 1, 1), True, {}),
]


def _conv_inputs(x_shape, w_shape, bias, dtype):
    inputs = (_normal(x_shape, dtype), _normal(w_shape, dtype))
    return inputs + ((_normal(w_shape[0], dtype),) if bias else ())


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', CONV2D_CASES)
def test_convolution_2d_forward(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    inputs = _conv_inputs(x_shape, w_shape, bias, dtype)
    y = F.convolution_2d(*[xp.asarray(a) for a in inputs], **kw)
    expected = _ref_conv(*inputs, **kw)
    assert y.dtype == dtype
    assert y.shape == expected.shape
    _assert_layout(y, layout, xp)
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', CONV2D_CASES)
def test_convolution_2d_grads(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    _check_grads(lambda *a: F.convolution_2d(*a, **kw),
                 _conv_inputs(x_shape, w_shape, bias, dtype), dtype, xp)


@pytest.mark.parametrize('x_shape, w_shape, batch_last', [
    ((2, 3, 12, 12), (5, 3, 1, 1), False),
    ((2, 1, 12, 12), (8, 1, 3, 3), True),
    ((8, 6, 6, 6), (5, 6, 5, 5), True),
])
def test_convolution_2d_automatic_layout(xp, x_shape, w_shape, batch_last):
    x, W = _normal(x_shape), _normal(w_shape)
    out = (x_shape[2] + 2 - w_shape[2] + 1,) * 2
    if xp is numpy:  # (the GPU always uses batch-last)
        assert _im2col.use_batch_last(x, x_shape[1], w_shape[0], w_shape[2:], out, x_shape[2:],
                                      (1, 1)) == batch_last
    xv, Wv = dbr.Variable(xp.asarray(x)), dbr.Variable(xp.asarray(W))
    y = F.convolution_2d(xv, Wv, pad=1)
    testing.assert_allclose(y.array, _ref_conv(x, W, pad=1), atol=1e-10, rtol=1e-10)
    gy = _normal(y.shape)
    y.grad = xp.asarray(gy)
    y.backward()
    testing.assert_allclose(xv.grad, _ref_deconv(gy, W, pad=1, outsize=x_shape[2:]),
                            atol=1e-10, rtol=1e-10)


def test_convolution_2d_layout_choice():
    # LeNet's first layer (1 channel, 24-wide output): transposing the input is cheaper than
    # batch-first's short runs. Wide rows and a 1x1 kernel favour batch-first.
    x1 = numpy.zeros((64, 1, 28, 28), 'f')
    assert _im2col.use_batch_last(x1, 1, 20, (5, 5), (24, 24), (28, 28), (1, 1))
    x2 = numpy.zeros((8, 16, 64, 64), 'f')
    assert not _im2col.use_batch_last(x2, 16, 16, (1, 1), (64, 64), (64, 64), (1, 1))
    # Input already batch-last (the output of a batch-last convolution on the CPU): no choice.
    x3 = numpy.zeros((16, 64, 64, 8), 'f').transpose(3, 0, 1, 2)
    assert _im2col.is_batch_last(x3)
    assert _im2col.use_batch_last(x3, 16, 16, (1, 1), (64, 64), (64, 64), (1, 1))


def test_convolution_2d_non_contiguous_inputs(xp, layout):
    x = _normal((2, 3, 6, 5)).transpose(0, 1, 3, 2)
    W = _normal((4, 3, 3, 3))[:, :, ::-1]
    y = F.convolution_2d(xp.asarray(x), xp.asarray(W), stride=2, pad=1)
    testing.assert_allclose(y.array, _ref_conv(x, W, stride=2, pad=1), atol=1e-12, rtol=1e-10)


def test_convolution_2d_empty_batch(xp, layout):
    x = dbr.Variable(xp.zeros((0, 3, 5, 5)))
    W = dbr.Variable(xp.asarray(_normal((4, 3, 3, 3))))
    b = dbr.Variable(xp.zeros(4))
    y = F.convolution_2d(x, W, b, pad=1)
    assert y.shape == (0, 4, 5, 5)
    F.sum(y).backward()
    assert x.grad.shape == (0, 3, 5, 5)
    testing.assert_allclose(W.grad, numpy.zeros((4, 3, 3, 3)))
    testing.assert_allclose(b.grad, numpy.zeros(4))


def test_convolution_2d_weight_gradient_matches_reference(xp, layout):
    # The gradients against an independent computation, not only the numerical check.
    x, W = _normal((2, 4, 5, 5)), _normal((6, 2, 3, 3))
    kw = dict(stride=2, pad=1, groups=2)
    gy = _normal(_ref_conv(x, W, **kw).shape)
    xv, Wv = dbr.Variable(xp.asarray(x)), dbr.Variable(xp.asarray(W))
    y = F.convolution_2d(xv, Wv, **kw)
    y.grad = xp.asarray(gy)
    y.backward()
    testing.assert_allclose(xv.grad, _ref_deconv(gy, W, outsize=(5, 5), **kw),
                            atol=1e-12, rtol=1e-10)
    # gW[o, c, i, j] = sum of gy[:, o] * x windows; by linearity, conv(x, e_k) for each unit W.
    gW = numpy.zeros(W.shape)
    for idx in itertools.product(*map(range, W.shape)):
        e = numpy.zeros(W.shape)
        e[idx] = 1
        gW[idx] = (_ref_conv(x, e, **kw) * gy).sum()
    testing.assert_allclose(Wv.grad, gW, atol=1e-12, rtol=1e-10)


def test_convolution_and_deconvolution_constant_input(xp, layout):
    # Only W needs a gradient: the weight gradient runs alone (for the deconvolution it then
    # gathers the windows itself), and a second backward over the graph gathers them again.
    x, W, gy = _normal((2, 3, 5, 5)), _normal((4, 3, 3, 3)), _normal((2, 4, 3, 3))
    for func, (a, w) in [(F.convolution_2d, (x, W)),
                         (F.deconvolution_2d, (gy, W))]:
        a, w = xp.asarray(a), xp.asarray(w)
        Wb = dbr.Variable(w)
        both = func(dbr.Variable(a), Wb)
        g = xp.asarray(_normal(both.shape))
        both.grad = g
        both.backward()
        Wv = dbr.Variable(w)
        y = func(a, Wv)
        y.grad = g
        y.backward()
        testing.assert_allclose(Wv.grad, Wb.grad, atol=1e-12, rtol=1e-10)
        y.backward()
        testing.assert_allclose(Wv.grad, 2 * Wb.grad, atol=1e-12, rtol=1e-10)


def test_convolution_2d_matches_convolution_nd(xp):
    x, W, b = _normal((2, 3, 5, 5)), _normal((4, 3, 3, 3)), _normal(4)
    args = [xp.asarray(a) for a in (x, W, b)]
    testing.assert_allclose(F.convolution_2d(*args, stride=2, pad=1).array,
                            F.convolution_nd(*args, stride=2, pad=1).array, atol=0, rtol=0)


def test_convolution_2d_float32_keeps_dtype_through_backward(xp):
    x = dbr.Variable(xp.asarray(_normal((2, 3, 5, 5), numpy.float32)))
    W = dbr.Variable(xp.asarray(_normal((4, 3, 3, 3), numpy.float32)))
    b = dbr.Variable(xp.asarray(_normal(4, numpy.float32)))
    F.sum(F.convolution_2d(x, W, b)).backward()
    assert x.grad.dtype == W.grad.dtype == b.grad.dtype == numpy.float32


@pytest.mark.parametrize('x_shape, w_shape, kw, match', [
    ((2, 3, 5, 5), (4, 2, 3, 3), {},
     r'convolution_2d: expected x\.shape\[1\] == W\.shape\[1\] \* self\.groups, got '
     r'x\.shape=\(2, 3, 5, 5\), W\.shape=\(4, 2, 3, 3\), self\.groups=1'),
    ((2, 4, 5, 5), (5, 2, 3, 3), dict(groups=2),
     r'convolution_2d: expected W\.shape\[0\] % self\.groups == 0, got '
     r'W\.shape=\(5, 2, 3, 3\), self\.groups=2'),
    ((1, 1, 3, 3), (1, 1, 5, 5), dict(pad=0),
     r'convolution_2d: expected the dilated kernel .* got x\.shape=\(1, 1, 3, 3\), '
     r'W\.shape=\(1, 1, 5, 5\), pad=\(0, 0\), dilate=\(1, 1\)'),
    ((1, 1, 5, 5), (1, 1, 3, 3), dict(dilate=3),
     r'convolution_2d: expected the dilated kernel .* dilate=\(3, 3\)'),
    ((2, 3, 5), (4, 3, 3), {},
     r'convolution_2d: expected x\.ndim == len\(self\.stride\) \+ 2, got x\.ndim=3'),
    ((2, 3, 5, 5), (4, 3, 3), {},
     r'convolution_2d: expected W\.ndim == x\.ndim, got W\.ndim=3, x\.ndim=4'),
])
def test_convolution_2d_errors(x_shape, w_shape, kw, match):
    x = numpy.zeros(x_shape, numpy.float32)
    W = numpy.zeros(w_shape, numpy.float32)
    with pytest.raises(InvalidType, match=match):
        F.convolution_2d(x, W, **kw)


def test_convolution_2d_bad_dtype_bias_and_arguments():
    x = numpy.zeros((2, 3, 5, 5), numpy.float32)
    W = numpy.zeros((4, 3, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r"convolution_2d: expected x\.dtype\.kind == 'f'"):
        F.convolution_2d(x.astype(numpy.int32), W)
    with pytest.raises(InvalidType, match=r'convolution_2d: expected W\.dtype == x\.dtype'):
        F.convolution_2d(x, W.astype(numpy.float64))
    with pytest.raises(InvalidType, match=r'convolution_2d: .*b\.shape\[0\] == W\.shape\[0\], '
                                          r'got .*b\.shape=\(3,\), W\.shape=\(4, 3, 3, 3\)'):
        F.convolution_2d(x, W, numpy.zeros(3, numpy.float32))
    with pytest.raises(ValueError, match=r'convolution_2d: stride must be an int or a sequence '
                                         r'of 2 ints, got \(1, 2, 3\)'):
        F.convolution_2d(x, W, stride=(1, 2, 3))
    with pytest.raises(ValueError, match=r'convolution_2d: stride must be >= 1, got 0'):
        F.convolution_2d(x, W, stride=0)
    with pytest.raises(ValueError, match=r'convolution_2d: pad must be >= 0, got -1'):
        F.convolution_2d(x, W, pad=-1)
    with pytest.raises(ValueError, match=r'convolution_2d: groups must be a positive int, got 0'):
        F.convolution_2d(x, W, groups=0)


# ----- convolution_nd (1-D, 2-D, 3-D) -----------------------------------------------------------

CONVND_CASES = [
    ((2, 3, 7), (4, 3, 3), True, dict(stride=2, pad=1)),
    ((2, 4, 6), (2, 2, 2), False, dict(dilate=2, groups=2, cover_all=True, stride=3)),
    ((2, 3, 4, 5), (2, 3, 2, 3), True, dict(pad=(0, 1))),
    ((2, 2, 4, 4, 3), (3, 2, 2, 3, 2), True, dict(stride=(1, 2, 1), pad=(1, 0, 1),
                                                   dilate=(1, 1, 2))),
    ((1, 4, 3, 3, 3), (4, 2, 2, 2, 2), True, dict(groups=2)),
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', CONVND_CASES)
def test_convolution_nd_forward(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    inputs = _conv_inputs(x_shape, w_shape, bias, dtype)
    y = F.convolution_nd(*[xp.asarray(a) for a in inputs], **kw)
    expected = _ref_conv(*inputs, **kw)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', CONVND_CASES)
def test_convolution_nd_grads(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    _check_grads(lambda *a: F.convolution_nd(*a, **kw),
                 _conv_inputs(x_shape, w_shape, bias, dtype), dtype, xp)


@pytest.mark.parametrize('func, ndim', [(F.convolution_1d, 1), (F.convolution_3d, 3)])
def test_convolution_1d_3d(xp, func, ndim):
    x = _normal((2, 3) + (5,) * ndim)
    W = _normal((2, 3) + (3,) * ndim)
    testing.assert_allclose(func(xp.asarray(x), xp.asarray(W), pad=1).array,
                            _ref_conv(x, W, pad=1), atol=1e-12, rtol=1e-10)
    with pytest.raises(InvalidType, match=func.__name__ + r': expected x\.ndim'):
        func(numpy.zeros((2, 3) + (5,) * 2), numpy.zeros((2, 3) + (3,) * 2))


def test_convolution_nd_errors():
    with pytest.raises(InvalidType, match=r'convolution_nd: expected x\.ndim >= 3 .*'
                                          r'got x\.shape=\(2, 3\)'):
        F.convolution_nd(numpy.zeros((2, 3)), numpy.zeros((2, 3)))
    with pytest.raises(InvalidType, match=r'convolution_nd: expected x\.shape\[1\] == '
                                          r'W\.shape\[1\] \* self\.groups, got x\.shape='
                                          r'\(1, 2, 4, 4, 4\), W\.shape=\(3, 3, 2, 2, 2\)'):
        F.convolution_nd(numpy.zeros((1, 2, 4, 4, 4)), numpy.zeros((3, 3, 2, 2, 2)))
    with pytest.raises(ValueError, match=r'convolution_nd: dilate must be an int or a sequence '
                                         r'of 3 ints'):
        F.convolution_nd(numpy.zeros((1, 2, 4, 4, 4)), numpy.zeros((3, 2, 2, 2, 2)),
                         dilate=(1, 2))


# ----- depthwise_convolution_2d -----------------------------------------------------------------

DEPTHWISE_CASES = [
    ((2, 3, 5, 5), (2, 3, 3, 3), True, {}),
    ((2, 2, 5, 4), (3, 2, 2, 3), True, dict(stride=2, pad=1)),
    ((1, 4, 4, 4), (1, 4, 3, 3), False, dict(pad=(1, 0))),
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', DEPTHWISE_CASES)
def test_depthwise_convolution_2d_forward(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    inputs = (_normal(x_shape, dtype), _normal(w_shape, dtype))
    if bias:
        inputs += (_normal(w_shape[0] * w_shape[1], dtype),)
    y = F.depthwise_convolution_2d(*[xp.asarray(a) for a in inputs], **kw)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, _ref_depthwise(*inputs, **kw), **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', DEPTHWISE_CASES)
def test_depthwise_convolution_2d_grads(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    inputs = (_normal(x_shape, dtype), _normal(w_shape, dtype))
    if bias:
        inputs += (_normal(w_shape[0] * w_shape[1], dtype),)
    _check_grads(lambda *a: F.depthwise_convolution_2d(*a, **kw), inputs, dtype, xp)


def test_depthwise_convolution_2d_errors():
    x = numpy.zeros((2, 3, 5, 5))
    with pytest.raises(InvalidType, match=r'depthwise_convolution_2d: expected x\.shape\[1\] == '
                                          r'W\.shape\[1\], got x\.shape=\(2, 3, 5, 5\), '
                                          r'W\.shape=\(2, 4, 3, 3\)'):
        F.depthwise_convolution_2d(x, numpy.zeros((2, 4, 3, 3)))
    with pytest.raises(InvalidType, match=r'depthwise_convolution_2d: .*b\.shape\[0\] == '
                                          r'W\.shape\[0\] \* W\.shape\[1\]'):
        F.depthwise_convolution_2d(x, numpy.zeros((2, 3, 3, 3)), numpy.zeros(3))
    with pytest.raises(InvalidType, match=r'depthwise_convolution_2d: expected the dilated '
                                          r'kernel .*W\.shape=\(2, 3, 7, 7\)'):
        F.depthwise_convolution_2d(x, numpy.zeros((2, 3, 7, 7)))


# ----- deconvolution_2d / deconvolution_nd ------------------------------------------------------

DECONV2D_CASES = [
    ((2, 3, 3, 3), (3, 2, 3, 3), True, {}),
    ((2, 3, 3, 4), (3, 2, 3, 3), True, dict(stride=2, pad=1)),
    # outsize below the default: the backward convolution needs cover_all on both axes ...
    ((2, 3, 3, 3), (3, 2, 3, 3), True, dict(stride=2, pad=1, outsize=(4, 4))),
    # ... or on one axis only (the other is above the default).
    ((2, 3, 3, 3), (3, 2, 3, 3), True, dict(stride=2, pad=1, outsize=(4, 6))),
    ((2, 4, 3, 3), (4, 2, 2, 3), True, dict(dilate=2, groups=2)),
    ((1, 2, 2, 3), (2, 3, 3, 2), False, dict(stride=(2, 1), pad=(0, 1))),
]


def _deconv_inputs(x_shape, w_shape, bias, groups, dtype):
    inputs = (_normal(x_shape, dtype), _normal(w_shape, dtype))
    return inputs + ((_normal(w_shape[1] * groups, dtype),) if bias else ())


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', DECONV2D_CASES)
def test_deconvolution_2d_forward(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    inputs = _deconv_inputs(x_shape, w_shape, bias, kw.get('groups', 1), dtype)
    y = F.deconvolution_2d(*[xp.asarray(a) for a in inputs], **kw)
    expected = _ref_deconv(*inputs, **kw)
    assert y.dtype == dtype
    assert y.shape == expected.shape
    _assert_layout(y, layout, xp)
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', DECONV2D_CASES)
def test_deconvolution_2d_grads(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    _check_grads(lambda *a: F.deconvolution_2d(*a, **kw),
                 _deconv_inputs(x_shape, w_shape, bias, kw.get('groups', 1), dtype), dtype, xp)


DECONVND_CASES = [
    ((2, 3, 4), (3, 2, 3), True, dict(stride=2)),
    ((2, 4, 3), (4, 1, 2), True, dict(stride=2, pad=1, dilate=2, groups=2, outsize=(6,))),
    ((1, 2, 2, 3, 2), (2, 3, 2, 2, 3), True, dict(stride=(2, 1, 1), pad=(0, 1, 1))),
    ((2, 4, 2, 2, 2), (4, 1, 2, 2, 2), False, dict(dilate=(1, 2, 1), groups=2)),
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', DECONVND_CASES)
def test_deconvolution_nd_forward(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    inputs = _deconv_inputs(x_shape, w_shape, bias, kw.get('groups', 1), dtype)
    y = F.deconvolution_nd(*[xp.asarray(a) for a in inputs], **kw)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, _ref_deconv(*inputs, **kw), **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', DECONVND_CASES)
def test_deconvolution_nd_grads(xp, layout, case, dtype):
    x_shape, w_shape, bias, kw = case
    _check_grads(lambda *a: F.deconvolution_nd(*a, **kw),
                 _deconv_inputs(x_shape, w_shape, bias, kw.get('groups', 1), dtype), dtype, xp)


@pytest.mark.parametrize('func, ndim', [(F.deconvolution_1d, 1), (F.deconvolution_3d, 3)])
def test_deconvolution_1d_3d(xp, func, ndim):
    x = _normal((2, 3) + (3,) * ndim)
    W = _normal((3, 2) + (2,) * ndim)
    testing.assert_allclose(func(xp.asarray(x), xp.asarray(W), stride=2).array,
                            _ref_deconv(x, W, stride=2), atol=1e-12, rtol=1e-10)


def test_deconvolution_2d_is_adjoint_of_convolution_2d(xp, layout):
    x, W = _normal((2, 4, 6, 5)), _normal((6, 2, 3, 3))
    kw = dict(stride=2, pad=1, dilate=(1, 2), groups=2)
    y = F.convolution_2d(xp.asarray(x), xp.asarray(W), cover_all=True, **kw).array
    gy = _normal(y.shape)
    gx = F.deconvolution_2d(xp.asarray(gy), xp.asarray(W), outsize=(6, 5), **kw).array
    assert numpy.isclose(float((y * xp.asarray(gy)).sum()), float((gx * xp.asarray(x)).sum()))


def test_deconvolution_2d_errors():
    x = numpy.zeros((2, 3, 3, 3))
    with pytest.raises(InvalidType, match=r'deconvolution_2d: expected x\.shape\[1\] == '
                                          r'W\.shape\[0\], got x\.shape=\(2, 3, 3, 3\), '
                                          r'W\.shape=\(4, 2, 3, 3\)'):
        F.deconvolution_2d(x, numpy.zeros((4, 2, 3, 3)))
    with pytest.raises(InvalidType, match=r'deconvolution_2d: expected W\.shape\[0\] % '
                                          r'self\.groups == 0'):
        F.deconvolution_2d(x, numpy.zeros((3, 2, 3, 3)), groups=2)
    with pytest.raises(InvalidType, match=r'deconvolution_2d: expected an outsize whose '
                                          r'convolution gives the input size back, got '
                                          r'outsize=\(9, 5\), x\.shape=\(2, 3, 3, 3\)'):
        F.deconvolution_2d(x, numpy.zeros((3, 2, 3, 3)), outsize=(9, 5))
    with pytest.raises(InvalidType, match=r'deconvolution_2d: expected a positive output size'):
        F.deconvolution_2d(x[:, :, :1, :1], numpy.zeros((3, 2, 1, 1)), pad=1)
    with pytest.raises(InvalidType, match=r'deconvolution_2d: .*b\.shape\[0\] == W\.shape\[1\] '
                                          r'\* self\.groups'):
        F.deconvolution_2d(x, numpy.zeros((3, 2, 3, 3)), numpy.zeros(3))
    with pytest.raises(InvalidType, match=r'deconvolution_nd: expected x\.ndim >= 3'):
        F.deconvolution_nd(numpy.zeros((2, 3)), numpy.zeros((3, 2)))


# ----- batch-last results on the CPU -----------------------------------------------------------
#
# A batch-last convolution on the CPU returns its (C, *S, N) result as a transposed view, and a
# batch-last input is gathered without a copy, so chains of convolutions, activations and
# pooling never transpose. Values and gradients must not depend on any of this.

def _as_batch_last(a, xp):
    a = xp.asarray(a)
    return xp.ascontiguousarray(xp.moveaxis(a, 0, -1)).transpose((a.ndim - 1,) +
                                                                 tuple(range(a.ndim - 1)))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', CONV2D_CASES)
def test_convolution_2d_batch_last_input(xp, case, dtype):
    x_shape, w_shape, bias, kw = case
    inputs = _conv_inputs(x_shape, w_shape, bias, dtype)
    xb = _as_batch_last(inputs[0], xp)
    assert _im2col.is_batch_last(xb)
    y = F.convolution_2d(xb, *[xp.asarray(a) for a in inputs[1:]], **kw)
    testing.assert_allclose(y.array, _ref_conv(*inputs, **kw), **_fwd_tol(dtype))
    _assert_layout(y, 'batch_last', xp)
    _check_grads(lambda *a: F.convolution_2d(*a, **kw), (xb,) + inputs[1:], dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', DECONV2D_CASES)
def test_deconvolution_2d_batch_last_input(xp, case, dtype):
    x_shape, w_shape, bias, kw = case
    inputs = _deconv_inputs(x_shape, w_shape, bias, kw.get('groups', 1), dtype)
    xb = _as_batch_last(inputs[0], xp)
    y = F.deconvolution_2d(xb, *[xp.asarray(a) for a in inputs[1:]], **kw)
    testing.assert_allclose(y.array, _ref_deconv(*inputs, **kw), **_fwd_tol(dtype))
    _assert_layout(y, 'batch_last', xp)
    _check_grads(lambda *a: F.deconvolution_2d(*a, **kw), (xb,) + inputs[1:], dtype, xp)


def test_convolution_chain_stays_batch_last(xp):
    # LeNet's pattern: conv, ReLU, 2x2 max pooling, conv. Every intermediate keeps the
    # batch-last memory order, including the gradients, and the results match references.
    x, W1, b1 = _normal((3, 2, 10, 10)), _normal((4, 2, 3, 3)), _normal(4)
    W2, b2 = _normal((5, 4, 3, 3)), _normal(5)
    xv, W1v, W2v = (dbr.Variable(xp.asarray(a)) for a in (x, W1, W2))
    h1 = F.convolution_2d(xv, W1v, xp.asarray(b1))
    h2 = F.max_pooling_2d(F.relu(h1), 2)
    y = F.convolution_2d(h2, W2v, xp.asarray(b2))
    r1 = _ref_conv(x, W1, b1)
    r2 = numpy.maximum(r1, 0).reshape(3, 4, 4, 2, 4, 2).max(axis=(3, 5))
    testing.assert_allclose(y.array, _ref_conv(r2, W2, b2), atol=1e-12, rtol=1e-10)
    gy = _normal(y.shape)
    y.grad = xp.asarray(gy)
    y.backward(retain_grad=True)
    if xp is numpy:
        for a in (h1.array, h2.array, y.array, h2.grad, h1.grad):
            assert _im2col.is_batch_last(a)
    g2 = _ref_deconv(gy, W2, outsize=(4, 4))
    testing.assert_allclose(h2.grad, g2, atol=1e-12, rtol=1e-10)
    # Unpool g2 onto each window's maximum (no ties with normal inputs), then mask by ReLU.
    windows = numpy.maximum(r1, 0).reshape(3, 4, 4, 2, 4, 2)
    mask = windows == r2[:, :, :, None, :, None]
    g1 = (mask * g2[:, :, :, None, :, None]).reshape(r1.shape) * (r1 > 0)
    testing.assert_allclose(h1.grad, g1, atol=1e-12, rtol=1e-10)
    testing.assert_allclose(xv.grad, _ref_deconv(g1, W1, outsize=(10, 10)),
                            atol=1e-12, rtol=1e-10)


# ----- im2col -----------------------------------------------------------------------------------

IM2COL_CASES = [
    ((2, 3, 5, 5), dict(ksize=3)),
    ((2, 2, 5, 6), dict(ksize=(2, 3), stride=2, pad=1)),
    ((1, 2, 5, 5), dict(ksize=2, stride=2, cover_all=True)),
    ((2, 1, 6, 6), dict(ksize=2, dilate=2, pad=(0, 1))),
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', IM2COL_CASES)
def test_im2col_forward(xp, case, dtype):
    shape, kw = case
    x = _normal(shape, dtype)
    y = F.im2col(xp.asarray(x), **kw)
    expected = _ref_im2col(x, **kw)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', IM2COL_CASES)
def test_im2col_grads(xp, case, dtype):
    shape, kw = case
    _check_grads(lambda x: F.im2col(x, **kw), (_normal(shape, dtype),), dtype, xp)


def test_im2col_matches_convolution(xp):
    x, W = _normal((2, 3, 5, 5)), _normal((4, 3, 3, 3))
    col = F.im2col(xp.asarray(x), 3, stride=2, pad=1).array
    y = xp.einsum('nkhw,ok->nohw', col, xp.asarray(W.reshape(4, -1)))
    testing.assert_allclose(y, _ref_conv(x, W, stride=2, pad=1), atol=1e-12, rtol=1e-10)


def test_im2col_errors():
    with pytest.raises(InvalidType, match=r'im2col: expected x\.ndim == 4, got x\.ndim=3'):
        F.im2col(numpy.zeros((2, 3, 5)), 3)
    with pytest.raises(InvalidType, match=r'im2col: expected the dilated kernel .*'
                                          r'x\.shape=\(2, 3, 5, 5\), ksize=\(7, 7\)'):
        F.im2col(numpy.zeros((2, 3, 5, 5)), 7)
    with pytest.raises(ValueError, match=r'im2col: ksize must be >= 1, got 0'):
        F.im2col(numpy.zeros((2, 3, 5, 5)), 0)


# ----- linear -----------------------------------------------------------------------------------

LINEAR_CASES = [
    # x shape, W shape, bias?, n_batch_axes
    ((3, 4), (5, 4), True, 1),
    ((3, 4), (5, 4), False, 1),
    ((2, 3, 2), (5, 6), True, 1),
    ((2, 3, 4), (5, 4), True, 2),
    ((1, 1), (1, 1), True, 1),
]


def _ref_linear(x, W, b=None, n_batch_axes=1):
    x = numpy.asarray(x, numpy.float64)
    batch = x.shape[:n_batch_axes]
    y = x.reshape(int(numpy.prod(batch)), -1) @ numpy.asarray(W, numpy.float64).T
    if b is not None:
        y = y + b
    return y.reshape(batch + (W.shape[0],))


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', LINEAR_CASES)
def test_linear_forward(xp, case, dtype):
    x_shape, w_shape, bias, nba = case
    inputs = (_normal(x_shape, dtype), _normal(w_shape, dtype))
    inputs += (_normal(w_shape[0], dtype),) if bias else ()
    y = F.linear(*[xp.asarray(a) for a in inputs], n_batch_axes=nba)
    expected = _ref_linear(*inputs, n_batch_axes=nba)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', LINEAR_CASES)
def test_linear_grads(xp, case, dtype):
    x_shape, w_shape, bias, nba = case
    inputs = (_normal(x_shape, dtype), _normal(w_shape, dtype))
    inputs += (_normal(w_shape[0], dtype),) if bias else ()
    _check_grads(lambda *a: F.linear(*a, n_batch_axes=nba), inputs, dtype, xp)


def test_linear_non_contiguous_and_empty(xp):
    x = _normal((3, 4)).T
    W = _normal((4, 5))[:, ::2].copy()[::-1]
    y = F.linear(xp.asarray(x), xp.asarray(W))
    testing.assert_allclose(y.array, x @ W.T, atol=1e-12, rtol=1e-12)
    xv = dbr.Variable(xp.zeros((0, 3)))
    Wv = dbr.Variable(xp.asarray(W))
    y = F.linear(xv, Wv, n_batch_axes=1)
    assert y.shape == (0, 4)
    F.sum(y).backward()
    assert xv.grad.shape == (0, 3)
    testing.assert_allclose(Wv.grad, numpy.zeros((4, 3)))


def test_linear_errors():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'linear: expected x\.shape\[1\] == W\.shape\[1\], '
                                          r'got x\.shape=\(2, 3\), W\.shape=\(4, 5\)'):
        F.linear(x, numpy.zeros((4, 5), numpy.float32))
    with pytest.raises(InvalidType, match=r'linear: .*b\.shape\[0\] == W\.shape\[0\], got '
                                          r'.*b\.shape=\(3,\), W\.shape=\(4, 3\)'):
        F.linear(x, numpy.zeros((4, 3), numpy.float32), numpy.zeros(3, numpy.float32))
    with pytest.raises(InvalidType, match=r'linear: expected W\.dtype == x\.dtype'):
        F.linear(x, numpy.zeros((4, 3)))
    with pytest.raises(InvalidType, match=r"linear: expected x\.dtype\.kind == 'f'"):
        F.linear(x.astype(numpy.int64), numpy.zeros((4, 3)))
    with pytest.raises(InvalidType, match=r'linear: expected x\.ndim == 2, got x\.ndim=1'):
        F.linear(numpy.zeros(3, numpy.float32), numpy.zeros((4, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r'linear: expected x\.ndim >= n_batch_axes'):
        F.linear(x, numpy.zeros((4, 1), numpy.float32), n_batch_axes=3)
    with pytest.raises(ValueError, match=r'linear: n_batch_axes must be a positive int, got 0'):
        F.linear(x, numpy.zeros((4, 3), numpy.float32), n_batch_axes=0)


# ----- bilinear ---------------------------------------------------------------------------------

def _ref_bilinear(e1, e2, W, V1=None, V2=None, b=None):
    n = e1.shape[0]
    e1 = numpy.asarray(e1, numpy.float64).reshape(n, -1)
    e2 = numpy.asarray(e2, numpy.float64).reshape(n, -1)
    y = numpy.einsum('nj,nk,jkl->nl', e1, e2, numpy.asarray(W, numpy.float64))
    if V1 is not None:
        y = y + e1 @ V1 + e2 @ V2 + b
    return y


BILINEAR_CASES = [
    ((3, 4), (3, 5), (4, 5, 2), False),
    ((3, 4), (3, 5), (4, 5, 2), True),
    ((2, 2, 2), (2, 3), (4, 3, 3), True),
]


def _bilinear_inputs(case, dtype):
    e1s, e2s, ws, full = case
    inputs = (_normal(e1s, dtype), _normal(e2s, dtype), _normal(ws, dtype))
    if full:
        inputs += (_normal((ws[0], ws[2]), dtype), _normal((ws[1], ws[2]), dtype),
                   _normal(ws[2], dtype))
    return inputs


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', BILINEAR_CASES)
def test_bilinear_forward(xp, case, dtype):
    inputs = _bilinear_inputs(case, dtype)
    y = F.bilinear(*[xp.asarray(a) for a in inputs])
    assert y.dtype == dtype
    testing.assert_allclose(y.array, _ref_bilinear(*inputs), **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', BILINEAR_CASES)
def test_bilinear_grads(xp, case, dtype):
    _check_grads(F.bilinear, _bilinear_inputs(case, dtype), dtype, xp)


def test_bilinear_errors():
    e1, e2, W = numpy.zeros((3, 4)), numpy.zeros((3, 5)), numpy.zeros((4, 5, 2))
    with pytest.raises(ValueError, match=r'bilinear: V1, V2 and b must be given together or not '
                                         r'at all, got V1=given, V2=None, b=None'):
        F.bilinear(e1, e2, W, numpy.zeros((4, 2)))
    with pytest.raises(InvalidType, match=r'bilinear: expected prod\(e1\.shape\[1:\]\) == '
                                          r'W\.shape\[0\].* got e1\.shape=\(3, 4\), '
                                          r'e2\.shape=\(3, 5\), W\.shape=\(3, 5, 2\)'):
        F.bilinear(e1, e2, numpy.zeros((3, 5, 2)))
    with pytest.raises(InvalidType, match=r'bilinear: expected e1\.shape\[0\] == e2\.shape\[0\]'):
        F.bilinear(e1, numpy.zeros((2, 5)), W)
    with pytest.raises(InvalidType, match=r'bilinear: expected V2 is None or V2\.shape == '
                                          r'\(W\.shape\[1\], W\.shape\[2\]\)'):
        F.bilinear(e1, e2, W, numpy.zeros((4, 2)), numpy.zeros((4, 2)), numpy.zeros(2))


# ----- embed_id ---------------------------------------------------------------------------------

def _ref_embed(x, W, ignore_label=None):
    y = numpy.asarray(W, numpy.float64)[numpy.where(x == ignore_label, 0, x)]
    if ignore_label is not None:
        y[x == ignore_label] = 0
    return y


EMBED_CASES = [
    # ids, ignore_label
    (numpy.array([[0, 4, 2], [2, 2, 1]], numpy.int32), None),
    (numpy.array([[0, -1, 2], [-1, 3, 3]], numpy.int64), -1),
    (numpy.array([1, 0, 0, 3], numpy.int64), 0),
    (numpy.array(3, numpy.int32), None),
    (numpy.array([4, 1, 4], numpy.uint8), None),
    (numpy.zeros((2, 0), numpy.int32), -1),
]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', EMBED_CASES)
def test_embed_id_forward(xp, case, dtype):
    x, ignore = case
    W = _normal((5, 3), dtype)
    y = F.embed_id(xp.asarray(x), xp.asarray(W), ignore_label=ignore)
    expected = _ref_embed(x, W, ignore)
    assert y.dtype == dtype and y.shape == x.shape + (3,)
    testing.assert_allclose(y.array, expected, atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', EMBED_CASES)
def test_embed_id_grads(xp, case, dtype):
    x, ignore = case
    _check_grads(lambda x, W: F.embed_id(x, W, ignore_label=ignore), (x, _normal((5, 3), dtype)),
                 dtype, xp)


def test_embed_id_gradient_accumulates_repeated_ids_and_skips_ignored(xp):
    x = numpy.array([[1, -1, 1], [3, 1, -1]])
    W = dbr.Variable(xp.asarray(_normal((4, 2))))
    gy = _normal((2, 3, 2))
    y = F.embed_id(xp.asarray(x), W, ignore_label=-1)
    y.grad = xp.asarray(gy)
    y.backward()
    expected = numpy.zeros((4, 2))
    expected[1] = gy[0, 0] + gy[0, 2] + gy[1, 1]
    expected[3] = gy[1, 0]
    testing.assert_allclose(W.grad, expected, atol=1e-12, rtol=1e-12)


def test_embed_id_ids_get_no_gradient(xp):
    x = dbr.Variable(xp.asarray(numpy.array([0, 2])))
    W = dbr.Variable(xp.asarray(_normal((3, 2))))
    F.sum(F.embed_id(x, W)).backward()
    assert x.grad is None
    testing.assert_allclose(W.grad, numpy.array([[1., 1.], [0., 0.], [1., 1.]]))


def test_embed_id_errors(xp):
    W = xp.zeros((5, 3))
    with pytest.raises(ValueError, match=r'embed_id: ids must satisfy 0 <= id < 5 \(W\.shape\[0\]'
                                         r'\); got 7 \(1 out-of-range of 4 ids, '
                                         r'x\.shape=\(2, 2\)\)'):
        F.embed_id(xp.asarray(numpy.array([[0, 7], [1, 2]])), W)
    with pytest.raises(ValueError, match=r'embed_id: ids must satisfy 0 <= id < 5 \(W\.shape\[0\]'
                                         r'\) or id == ignore_label \(-1\); got -2'):
        F.embed_id(xp.asarray(numpy.array([-1, -2, 5])), W, ignore_label=-1)
    with pytest.raises(ValueError, match=r'embed_id: .*got -1'):
        F.embed_id(xp.asarray(numpy.array([-1, 0])), W)
    with pytest.raises(InvalidType, match=r"embed_id: expected x\.dtype\.kind in 'iu', got "
                                          r'x\.dtype=float64'):
        F.embed_id(xp.asarray(numpy.array([0., 1.])), W)
    with pytest.raises(InvalidType, match=r'embed_id: expected W\.ndim == 2, got W\.ndim=3'):
        F.embed_id(xp.asarray(numpy.array([0, 1])), xp.zeros((5, 3, 1)))
