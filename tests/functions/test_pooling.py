"""Tests of dbr.functions.pooling: max/average pooling (2-D and N-D), unpooling, upsampling.

Forward results are compared with naive NumPy loops over output pixels on tiny shapes (the
window arithmetic is written out from Chainer's documented output-size rules), gradients with
``check_backward`` / ``check_double_backward``. Max-pooling inputs for gradient checks are a
random permutation of well-separated values, so no window has a tie and no finite-difference
step changes an argmax.
"""
import itertools

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr import testing
from dbr.functions.pooling import _windows as windows_mod
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]


# ----- helpers ----------------------------------------------------------------------------------

def _fwd_tol(dtype):
    return {numpy.float64: dict(atol=1e-12, rtol=1e-10),
            numpy.float32: dict(atol=1e-6, rtol=1e-5),
            numpy.float16: dict(atol=1e-3, rtol=5e-3)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _distinct(shape, dtype):
    """Values 0.1 apart in random order: no ties, argmax stable under a 1e-3 step."""
    size = int(numpy.prod(shape))
    return (numpy.random.permutation(size).reshape(shape) * 0.1 - 0.05 * size).astype(dtype)


def _normal(shape, dtype):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _check_grads(func, x, dtype, xp, double=True):
    x = xp.asarray(x)
    with dbr.no_backprop_mode():
        y = func(dbr.Variable(x))
    gy = xp.asarray(_normal(y.shape, dtype))
    opts = _grad_opts(dtype)
    gradient_check.check_backward(func, x, gy, **opts)
    if double:
        ggx = xp.asarray(_normal(x.shape, dtype))
        gradient_check.check_double_backward(func, x, gy, ggx, **opts)


def _tup(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def _pooled(d, k, s, p, cover_all):
    return (d + 2 * p - k + (s - 1 if cover_all else 0)) // s + 1


def _unpooled(d, k, s, p, cover_all):
    return s * (d - 1) + k - 2 * p - (s - 1 if cover_all else 0)


def _windows(spatial, out, k, s, p):
    """Yields (output index, [(flat offset, input position or None)])."""
    for o in numpy.ndindex(*out):
        taps = []
        for flat, j in enumerate(numpy.ndindex(*k)):
            pos = tuple(oi * si - pi + ji for oi, si, pi, ji in zip(o, s, p, j))
            inside = all(0 <= q < d for q, d in zip(pos, spatial))
            taps.append((flat, pos if inside else None))
        yield o, taps


def _ref_pool(x, ksize, stride, pad, cover_all, mode):
    """Naive pooling; mode 'max' (returns y, indexes), 'avg' (/ window size), 'avg_none'."""
    x = numpy.asarray(x, numpy.float64)
    nd = x.ndim - 2
    k = _tup(ksize, nd)
    s = k if stride is None else _tup(stride, nd)
    p = _tup(pad, nd)
    spatial = x.shape[2:]
    out = tuple(_pooled(*a, cover_all) for a in zip(spatial, k, s, p))
    y = numpy.empty(x.shape[:2] + out)
    idx = numpy.empty(x.shape[:2] + out, numpy.intp)
    fill = -numpy.inf if mode == 'max' else 0.0
    for o, taps in _windows(spatial, out, k, s, p):
        vals = numpy.stack([x[(Ellipsis,) + pos] if pos is not None
                            else numpy.full(x.shape[:2], fill) for _, pos in taps], axis=-1)
        at = (Ellipsis,) + o
        if mode == 'max':
            y[at] = vals.max(axis=-1)
            idx[at] = vals.argmax(axis=-1)
        elif mode == 'avg':
            y[at] = vals.sum(axis=-1) / len(taps)
        else:
            y[at] = vals.sum(axis=-1) / max(1, sum(pos is not None for _, pos in taps))
    return (y, idx) if mode == 'max' else y


def _ref_unpool(x, ksize, stride, pad, outsize, cover_all, indexes=None):
    """Naive unpooling (indexes None) or upsampling (each value only at its index)."""
    x = numpy.asarray(x, numpy.float64)
    nd = x.ndim - 2
    k = _tup(ksize, nd)
    s = k if stride is None else _tup(stride, nd)
    p = _tup(pad, nd)
    if outsize is None:
        outsize = tuple(_unpooled(*a, cover_all) for a in zip(x.shape[2:], k, s, p))
    y = numpy.zeros(x.shape[:2] + tuple(outsize))
    for o, taps in _windows(outsize, x.shape[2:], k, s, p):
        v = x[(Ellipsis,) + o]
        for flat, pos in taps:
            if pos is not None:
                y[(Ellipsis,) + pos] += v if indexes is None else v * (indexes[(Ellipsis,) + o]
                                                                      == flat)
    return y


def _call(func, x, xp, **kwargs):
    return func(dbr.Variable(xp.asarray(x)), **kwargs)


# (shape, ksize, stride, pad, cover_all): the common tiled case, remainders with and without
# cover_all, overlapping windows, padding, rectangular windows and strides.
POOL_2D = [
    ((2, 3, 4, 4), 2, None, 0, True),
    ((2, 3, 5, 5), 2, None, 0, True),
    ((2, 3, 5, 5), 2, None, 0, False),
    ((2, 2, 5, 6), 3, 1, 0, True),
    ((2, 2, 5, 6), 3, 2, 1, True),
    ((2, 2, 5, 6), 3, 2, 1, False),
    ((1, 2, 6, 5), (2, 3), (1, 2), (1, 0), True),
    ((1, 2, 7, 4), (3, 2), (3, 1), (0, 1), False),
    ((1, 1, 1, 1), 1, None, 0, True),
]


# ----- max_pooling_2d ---------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('shape,ksize,stride,pad,cover_all', POOL_2D)
def test_max_pooling_2d_forward(xp, shape, ksize, stride, pad, cover_all, dtype):
    x = _distinct(shape, dtype) if dtype != numpy.float16 else _normal(shape, dtype)
    y = _call(F.max_pooling_2d, x, xp, ksize=ksize, stride=stride, pad=pad, cover_all=cover_all)
    expected, _ = _ref_pool(x, ksize, stride, pad, cover_all, 'max')
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,ksize,stride,pad,cover_all', POOL_2D)
def test_max_pooling_2d_grads(xp, shape, ksize, stride, pad, cover_all, dtype):
    _check_grads(lambda x: F.max_pooling_2d(x, ksize, stride, pad, cover_all),
                 _distinct(shape, dtype), dtype, xp)


def test_max_pooling_2d_default_stride_and_cover_all(xp):
    x = _distinct((1, 1, 5, 5), numpy.float32)
    y = _call(F.max_pooling_2d, x, xp, ksize=2)
    assert y.shape == (1, 1, 3, 3)
    testing.assert_allclose(y.array, _ref_pool(x, 2, 2, 0, True, 'max')[0])


def test_max_pooling_2d_ties_route_to_first(xp):
    # Every window is constant: Chainer's argmax sends the whole gradient to its first element.
    x = dbr.Variable(xp.ones((1, 2, 4, 4), numpy.float32))
    y = F.max_pooling_2d(x, 2)
    gy = _normal(y.shape, numpy.float32)
    y.grad = xp.asarray(gy)
    y.backward()
    expected = numpy.zeros((1, 2, 4, 4), numpy.float32)
    expected[:, :, ::2, ::2] = gy
    testing.assert_allclose(x.grad, expected, atol=0, rtol=0)


def test_max_pooling_2d_overlapping_grad_accumulates(xp):
    # One large element is the maximum of the 4 overlapping windows around it.
    x = numpy.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    x[0, 0, 0, 0] = -1.0
    v = dbr.Variable(xp.asarray(x))
    y = F.max_pooling_2d(v, 2, stride=1)
    y.grad = xp.ones(y.shape)
    y.backward()
    assert float(v.grad[0, 0, 1, 1]) == 4.0
    assert float(v.grad.sum()) == 4.0


def test_max_pooling_2d_noncontiguous(xp):
    x = _distinct((2, 3, 6, 4), numpy.float64)
    xt = xp.asarray(x).transpose(0, 1, 3, 2)
    y = F.max_pooling_2d(xt, 2, pad=1)
    testing.assert_allclose(y.array, _ref_pool(x.transpose(0, 1, 3, 2), 2, 2, 1, True, 'max')[0])
    _check_grads(lambda v: F.max_pooling_2d(v, 2, pad=1), x.transpose(0, 1, 3, 2),
                 numpy.float64, xp)


@pytest.mark.parametrize('func', [F.max_pooling_2d, F.average_pooling_2d])
@pytest.mark.parametrize('ksize,out', [(2, 2), (4, 1)])
def test_pooling_2d_empty_batch(xp, func, ksize, out):
    x = dbr.Variable(xp.zeros((0, 3, 4, 4), numpy.float32))
    y = func(x, ksize)
    assert y.shape == (0, 3, out, out)
    y.grad = xp.zeros(y.shape, numpy.float32)
    y.backward()
    assert x.grad.shape == (0, 3, 4, 4)


@pytest.mark.parametrize('shape,ksize,stride,pad,cover_all', POOL_2D)
def test_max_pooling_2d_return_indices(xp, shape, ksize, stride, pad, cover_all):
    x = _distinct(shape, numpy.float32)
    y, idx = _call(F.max_pooling_2d, x, xp, ksize=ksize, stride=stride, pad=pad,
                   cover_all=cover_all, return_indices=True)
    expected, expected_idx = _ref_pool(x, ksize, stride, pad, cover_all, 'max')
    testing.assert_allclose(y.array, expected)
    assert not isinstance(idx, dbr.Variable)
    assert idx.dtype == numpy.intp and idx.shape == y.shape
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(idx), expected_idx)


def test_max_pooling_2d_return_indices_backward(xp):
    x = _distinct((2, 2, 5, 5), numpy.float64)
    _check_grads(lambda v: F.max_pooling_2d(v, 3, 2, 1, return_indices=True)[0], x,
                 numpy.float64, xp)


# ----- upsampling_2d ----------------------------------------------------------------------------

@pytest.mark.parametrize('shape,ksize,stride,pad,cover_all', POOL_2D)
def test_upsampling_2d_round_trip(xp, shape, ksize, stride, pad, cover_all):
    x = _distinct(shape, numpy.float64)
    y, idx = F.max_pooling_2d(xp.asarray(x), ksize, stride, pad, cover_all, return_indices=True)
    up = F.upsampling_2d(y, idx, ksize, stride, pad, outsize=shape[2:], cover_all=cover_all)
    y_host, idx_host = dbr.backend.to_cpu(y.array), dbr.backend.to_cpu(idx)
    assert up.shape == shape and up.dtype == numpy.float64
    testing.assert_allclose(up.array, _ref_unpool(y_host, ksize, stride, pad, shape[2:],
                                                  cover_all, idx_host), atol=1e-12, rtol=0)
    if _tup(ksize, 2) == _tup(stride or ksize, 2) and not pad:
        # Disjoint windows: each maximum goes back where it came from, zeros elsewhere.
        is_max = x == _ref_unpool(y_host, ksize, stride, 0, shape[2:], cover_all)
        testing.assert_allclose(up.array, numpy.where(is_max, x, 0), atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
def test_upsampling_2d_grads(xp, dtype):
    x = _distinct((2, 2, 5, 5), dtype)
    _, idx = F.max_pooling_2d(xp.asarray(x), 3, 2, 1, return_indices=True)
    _check_grads(lambda v: F.upsampling_2d(v, idx, 3, 2, 1, outsize=(5, 5)),
                 _normal(idx.shape, dtype), dtype, xp)


def test_upsampling_2d_default_outsize(xp):
    x = _normal((1, 1, 2, 2), numpy.float32)
    idx = numpy.array([[[[0, 1], [2, 3]]]])
    y = F.upsampling_2d(xp.asarray(x), xp.asarray(idx), 2, cover_all=False)
    assert y.shape == (1, 1, 4, 4)
    testing.assert_allclose(y.array, _ref_unpool(x, 2, 2, 0, None, False, idx))


def test_upsampling_2d_errors(xp):
    x = xp.zeros((1, 1, 2, 2), numpy.float32)
    with pytest.raises(ValueError, match=r"upsampling_2d: indexes must be an integer array of "
                                         r"x's shape \(1, 1, 2, 2\), got shape \(1, 1, 2\)"):
        F.upsampling_2d(x, xp.zeros((1, 1, 2), numpy.intp), 2)
    with pytest.raises(ValueError, match='upsampling_2d: indexes must be an integer array.*'
                                         'dtype float32'):
        F.upsampling_2d(x, xp.zeros((1, 1, 2, 2), numpy.float32), 2)
    with pytest.raises(ValueError, match=r'upsampling_2d: indexes must lie in \[0, 4\) for '
                                         r'ksize \(2, 2\), got values in \[0, 4\]'):
        F.upsampling_2d(x, xp.asarray([[[[0, 1], [2, 4]]]]), 2)
    with pytest.raises(ValueError, match=r'upsampling_2d: outsize \(9, 9\) pools back to '
                                         r'spatial shape \(5, 5\), not to the input\'s \(2, 2\)'):
        F.upsampling_2d(x, xp.zeros((1, 1, 2, 2), numpy.intp), 2, outsize=(9, 9))


# ----- max_pooling_nd ---------------------------------------------------------------------------

POOL_ND = [
    ((2, 3, 7), 2, None, 0, True),
    ((2, 3, 7), 3, 2, 1, False),
    ((2, 2, 4, 5, 3), 2, None, 0, True),
    ((1, 2, 5, 4, 4), (3, 2, 2), (2, 1, 2), (1, 0, 1), False),
    ((1, 2, 3, 4, 2, 3), 2, None, 0, True),
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,ksize,stride,pad,cover_all', POOL_ND)
def test_max_pooling_nd_forward(xp, shape, ksize, stride, pad, cover_all, dtype):
    x = _distinct(shape, dtype)
    y, idx = _call(F.max_pooling_nd, x, xp, ksize=ksize, stride=stride, pad=pad,
                   cover_all=cover_all, return_indices=True)
    expected, expected_idx = _ref_pool(x, ksize, stride, pad, cover_all, 'max')
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(idx), expected_idx)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,ksize,stride,pad,cover_all', POOL_ND[:4])
def test_max_pooling_nd_grads(xp, shape, ksize, stride, pad, cover_all, dtype):
    _check_grads(lambda x: F.max_pooling_nd(x, ksize, stride, pad, cover_all),
                 _distinct(shape, dtype), dtype, xp)


def test_max_pooling_nd_2d_matches_max_pooling_2d(xp):
    x = xp.asarray(_distinct((2, 3, 5, 5), numpy.float32))
    testing.assert_allclose(F.max_pooling_nd(x, 3, 2, 1).array,
                            F.max_pooling_2d(x, 3, 2, 1).array, atol=0, rtol=0)


# ----- global pooling ---------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_global_max_pooling(xp, dtype):
    x = _distinct((2, 3, 4, 5), dtype)
    y, idx = _call(F.max_pooling_2d, x, xp, ksize=(4, 5), return_indices=True)
    assert y.shape == (2, 3, 1, 1)
    testing.assert_allclose(y.array, x.max(axis=(2, 3), keepdims=True), atol=0, rtol=0)
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(idx)[:, :, 0, 0],
                                     x.reshape(2, 3, -1).argmax(axis=2))
    _check_grads(lambda v: F.max_pooling_2d(v, (4, 5)), x, dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
def test_global_average_pooling(xp, dtype):
    x = _normal((2, 3, 4, 5), dtype)
    y = _call(F.average_pooling_2d, x, xp, ksize=(4, 5))
    assert y.shape == (2, 3, 1, 1) and y.dtype == dtype
    testing.assert_allclose(y.array, x.astype(numpy.float64).mean(axis=(2, 3), keepdims=True),
                            **_fwd_tol(dtype))
    _check_grads(lambda v: F.average_pooling_2d(v, (4, 5)), x, dtype, xp)


def test_global_average_pooling_reshaped_like_chainer_examples(xp):
    # The usual idiom: pool with ksize = spatial size, then flatten to (n, c).
    x = _normal((4, 8, 7, 7), numpy.float32)
    h = F.average_pooling_2d(xp.asarray(x), 7)
    testing.assert_allclose(h.reshape(4, 8).array, x.mean(axis=(2, 3)), atol=1e-6, rtol=1e-5)


# ----- average_pooling_2d / average_pooling_nd --------------------------------------------------

AVG_2D = [case for case in POOL_2D if not case[4]] + [
    ((2, 3, 4, 4), 2, None, 0, False),
    ((2, 2, 5, 6), 3, 1, 0, False),
    ((2, 2, 5, 6), (3, 2), (2, 1), (1, 1), False),
    ((1, 1, 3, 3), 2, 1, 1, False),
    ((1, 2, 2, 3), 1, 2, 1, False),  # some windows lie wholly in the padding
]


@pytest.mark.parametrize('pad_value', [0, None])
@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('shape,ksize,stride,pad,_', AVG_2D)
def test_average_pooling_2d_forward(xp, shape, ksize, stride, pad, _, dtype, pad_value):
    x = _normal(shape, dtype)
    y = _call(F.average_pooling_2d, x, xp, ksize=ksize, stride=stride, pad=pad,
              pad_value=pad_value)
    expected = _ref_pool(x, ksize, stride, pad, False, 'avg' if pad_value == 0 else 'avg_none')
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('pad_value', [0, None])
@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,ksize,stride,pad,_', AVG_2D)
def test_average_pooling_2d_grads(xp, shape, ksize, stride, pad, _, dtype, pad_value):
    _check_grads(lambda x: F.average_pooling_2d(x, ksize, stride, pad, pad_value),
                 _normal(shape, dtype), dtype, xp)


def test_average_pooling_2d_pad_counts_as_zero(xp):
    # Chainer divides by the full window size, padding included.
    x = xp.ones((1, 1, 2, 2), numpy.float32)
    y = F.average_pooling_2d(x, 2, pad=1)
    testing.assert_allclose(y.array, numpy.full((1, 1, 2, 2), 0.25, numpy.float32))
    y = F.average_pooling_2d(x, 2, pad=1, pad_value=None)
    testing.assert_allclose(y.array, numpy.ones((1, 1, 2, 2), numpy.float32))


def test_average_pooling_2d_noncontiguous(xp):
    x = _normal((2, 3, 6, 4), numpy.float64)
    xt = xp.asarray(x).transpose(0, 1, 3, 2)
    y = F.average_pooling_2d(xt, 3, 1, 1)
    testing.assert_allclose(y.array, _ref_pool(x.transpose(0, 1, 3, 2), 3, 1, 1, False, 'avg'))
    _check_grads(lambda v: F.average_pooling_2d(v, 3, 1, 1), x.transpose(0, 1, 3, 2),
                 numpy.float64, xp)


@pytest.mark.parametrize('pad_value', [0, None])
@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,ksize,stride,pad,_', POOL_ND)
def test_average_pooling_nd(xp, shape, ksize, stride, pad, _, dtype, pad_value):
    x = _normal(shape, dtype)
    y = _call(F.average_pooling_nd, x, xp, ksize=ksize, stride=stride, pad=pad,
              pad_value=pad_value)
    expected = _ref_pool(x, ksize, stride, pad, False, 'avg' if pad_value == 0 else 'avg_none')
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    if len(shape) < 6:
        _check_grads(lambda v: F.average_pooling_nd(v, ksize, stride, pad, pad_value), x,
                     dtype, xp)


# ----- unpooling_2d / unpooling_nd --------------------------------------------------------------

# (shape, ksize, stride, pad, outsize, cover_all)
UNPOOL_2D = [
    ((2, 3, 2, 3), 2, None, 0, None, False),
    ((2, 3, 2, 3), 2, None, 0, None, True),
    ((1, 2, 3, 3), 3, 2, 1, None, True),
    ((1, 2, 3, 2), (3, 2), (1, 2), (1, 0), None, False),
    ((1, 2, 3, 3), 2, None, 0, (5, 6), True),
    ((1, 1, 1, 1), 1, None, 0, None, True),
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,ksize,stride,pad,outsize,cover_all', UNPOOL_2D)
def test_unpooling_2d(xp, shape, ksize, stride, pad, outsize, cover_all, dtype):
    x = _normal(shape, dtype)
    y = _call(F.unpooling_2d, x, xp, ksize=ksize, stride=stride, pad=pad, outsize=outsize,
              cover_all=cover_all)
    expected = _ref_unpool(x, ksize, stride, pad, outsize, cover_all)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    _check_grads(lambda v: F.unpooling_2d(v, ksize, stride, pad, outsize, cover_all), x, dtype,
                 xp)


def test_unpooling_2d_repeats_pixels(xp):
    x = _normal((1, 2, 2, 3), numpy.float32)
    y = F.unpooling_2d(xp.asarray(x), 2, cover_all=False)
    testing.assert_allclose(y.array, x.repeat(2, axis=2).repeat(2, axis=3), atol=0, rtol=0)


@pytest.mark.parametrize('shape,ksize,stride,pad,outsize,cover_all', [
    ((2, 3, 3), 2, None, 0, None, False),
    ((2, 3, 3), 3, 2, 1, (5,), True),
    ((1, 2, 2, 3, 2), 2, None, 0, None, False),
    ((1, 2, 2, 2, 2), (2, 3, 1), (1, 2, 1), (0, 1, 0), None, True),
])
def test_unpooling_nd(xp, shape, ksize, stride, pad, outsize, cover_all):
    x = _normal(shape, numpy.float64)
    y = _call(F.unpooling_nd, x, xp, ksize=ksize, stride=stride, pad=pad, outsize=outsize,
              cover_all=cover_all)
    testing.assert_allclose(y.array, _ref_unpool(x, ksize, stride, pad, outsize, cover_all))
    _check_grads(lambda v: F.unpooling_nd(v, ksize, stride, pad, outsize, cover_all), x,
                 numpy.float64, xp)


def test_unpooling_is_adjoint_of_sum_pooling(xp):
    # <unpool(a), b> == <sum_pool(b), a> for the same window geometry.
    a = _normal((2, 2, 3, 3), numpy.float64)
    b = _normal((2, 2, 6, 6), numpy.float64)
    up = F.unpooling_2d(xp.asarray(a), 3, 2, 1, outsize=(6, 6), cover_all=False).array
    pooled = F.average_pooling_2d(xp.asarray(b), 3, 2, 1).array * 9
    lhs = float((up * xp.asarray(b)).sum())
    rhs = float((pooled * xp.asarray(a)).sum())
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))


# ----- errors -----------------------------------------------------------------------------------

POOLERS = {
    'max_pooling_2d': lambda x, *a, **k: F.max_pooling_2d(x, *a, **k),
    'average_pooling_2d': lambda x, *a, **k: F.average_pooling_2d(x, *a, **k),
    'unpooling_2d': lambda x, *a, **k: F.unpooling_2d(x, *a, **k),
}


@pytest.mark.parametrize('name', sorted(POOLERS))
def test_2d_errors(xp, name):
    func = POOLERS[name]
    x = xp.zeros((1, 1, 4, 4), numpy.float32)
    with pytest.raises(ValueError, match=f'^{name}: ksize must be positive, got 0'):
        func(x, 0)
    with pytest.raises(ValueError, match=rf'^{name}: ksize must be positive, got \(2, -1\)'):
        func(x, (2, -1))
    with pytest.raises(ValueError, match=f'^{name}: stride must be positive, got 0'):
        func(x, 2, 0)
    with pytest.raises(ValueError, match=f'^{name}: pad must be non-negative, got -1'):
        func(x, 2, 1, -1)
    with pytest.raises(ValueError, match=rf'^{name}: ksize must be an int or a tuple of 2 ints, '
                                         rf'got \(2, 2, 2\)'):
        func(x, (2, 2, 2))
    with pytest.raises(TypeError, match=f'^{name}: ksize must be an int or a tuple of 2 ints, '
                                        f"got 'a'"):
        func(x, 'a')
    with pytest.raises(ValueError, match=rf'^{name}: x must be 4-dimensional \(n, c and 2 '
                                         rf'spatial axes\), got shape \(1, 4, 4\)'):
        func(xp.zeros((1, 4, 4), numpy.float32), 2)
    with pytest.raises(InvalidType, match=f'^{name}: expected x.dtype.kind == .f., got '
                                          f'x.dtype=int32'):
        func(xp.zeros((1, 1, 4, 4), numpy.int32), 2)


@pytest.mark.parametrize('name,func', [('max_pooling_2d', F.max_pooling_2d),
                                       ('average_pooling_2d', F.average_pooling_2d)])
def test_2d_ksize_larger_than_padded_input(xp, name, func):
    x = xp.zeros((1, 1, 4, 4), numpy.float32)
    kwargs = {'cover_all': False} if name == 'max_pooling_2d' else {}
    with pytest.raises(ValueError, match=rf'^{name}: ksize \(7, 7\) does not fit the input: '
                                         rf'spatial shape \(4, 4\) with pad \(1, 1\), stride '
                                         rf'\(7, 7\) and cover_all=False gives output size '
                                         rf'\(0, 0\)'):
        func(x, 7, pad=1, **kwargs)
    # ksize == padded size fits.
    assert func(x, 6, pad=1, **kwargs).shape == (1, 1, 1, 1)


def test_max_pooling_2d_cover_all_ksize_beyond_input_like_chainer(xp):
    # With cover_all, Chainer accepts a window overhanging the input while one output fits.
    x = _distinct((1, 1, 3, 3), numpy.float32)
    y = F.max_pooling_2d(xp.asarray(x), 4)
    testing.assert_allclose(y.array, x.max(axis=(2, 3), keepdims=True))


@pytest.mark.parametrize('name,func', [('max_pooling_nd', F.max_pooling_nd),
                                       ('average_pooling_nd', F.average_pooling_nd),
                                       ('unpooling_nd', F.unpooling_nd)])
def test_nd_errors(xp, name, func):
    with pytest.raises(ValueError, match=rf'^{name}: x must have shape \(n, c, d_1, ...\) with '
                                         rf'at least one spatial axis, got shape \(2, 3\)'):
        func(xp.zeros((2, 3), numpy.float32), 2)
    with pytest.raises(ValueError, match=rf'^{name}: ksize must be an int or a tuple of 3 ints, '
                                         rf'got \(2, 2\)'):
        func(xp.zeros((1, 1, 4, 4, 4), numpy.float32), (2, 2))
    with pytest.raises(InvalidType, match=f'^{name}: expected x.dtype.kind == .f.'):
        func(xp.zeros((1, 1, 4), numpy.int64), 2)


def test_average_pooling_pad_value_error(xp):
    x = xp.zeros((1, 1, 4, 4), numpy.float32)
    with pytest.raises(ValueError, match='^average_pooling_2d: pad_value must be 0 or None, got 1'):
        F.average_pooling_2d(x, 2, pad_value=1)
    with pytest.raises(ValueError, match="^average_pooling_nd: pad_value must be 0 or None, got "
                                         "'zero'"):
        F.average_pooling_nd(x, 2, pad_value='zero')


def test_unpooling_outsize_errors(xp):
    x = xp.zeros((1, 1, 2, 2), numpy.float32)
    with pytest.raises(ValueError, match=r'^unpooling_2d: outsize \(7, 4\) pools back to spatial '
                                         r'shape \(3, 2\), not to the input\'s \(2, 2\)'):
        F.unpooling_2d(x, 2, outsize=(7, 4), cover_all=False)
    with pytest.raises(ValueError, match=r'^unpooling_2d: outsize must be positive, got '
                                         r'\(0, 4\)'):
        F.unpooling_2d(x, 2, outsize=(0, 4))
    with pytest.raises(ValueError, match=r'^unpooling_2d: spatial shape \(2, 2\) with ksize '
                                         r'\(2, 2\), stride \(2, 2\) and pad \(3, 3\) gives an '
                                         r'empty output size \(-2, -2\)'):
        F.unpooling_2d(x, 2, pad=3, cover_all=False)


# ----- all offsets of a window are visited in row-major order ----------------------------------

def test_indexes_are_row_major_window_positions(xp):
    x = numpy.zeros((1, 9, 3, 3), numpy.float32)
    for c, (i, j) in enumerate(itertools.product(range(3), range(3))):
        x[0, c, i, j] = 1.0
    _, idx = F.max_pooling_2d(xp.asarray(x), 3, return_indices=True)
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(idx).ravel(), numpy.arange(9))


# ----- disjoint windows: the first-maximum gradient, and memory layouts -------------------------
#
# When windows neither overlap nor need padding, max pooling's backward skips the argmax and
# routes each window's gradient to its first maximum offset by offset; every pooling result
# and gradient keeps the memory order of the pooled input (CPU convolutions return batch-last
# views, (C, *S, N) in memory).

# (shape, ksize, stride, cover_all), all with disjoint, unpadded windows.
DISJOINT = [
    ((2, 3, 4, 6), 2, None, True),            # tiles the input exactly
    ((2, 3, 6, 6), 3, None, True),
    ((2, 2, 5, 5), 2, None, False),           # the last row and column are in no window
    ((2, 2, 7, 6), (2, 3), (3, 3), False),    # gaps between windows
    ((1, 2, 4, 4), (1, 2), (1, 2), True),
]

LAYOUTS = ['c', 'batch_last', 'channels_last', 'transposed']


def _laid_out(a, layout, xp):
    """``a`` (n, c, *spatial) on ``xp`` with the same values in the named memory order."""
    a = xp.asarray(a)
    if layout == 'c':
        return a
    if layout == 'transposed':
        return xp.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)
    order = tuple(range(1, a.ndim)) + (0,) if layout == 'batch_last' else \
        (0,) + tuple(range(2, a.ndim)) + (1,)
    return xp.ascontiguousarray(a.transpose(order)).transpose(
        tuple(order.index(i) for i in range(a.ndim)))


def _first_max_grad(x, gy, ksize, stride, cover_all):
    """Reference: each window's gradient goes to its first maximum (NumPy's argmax)."""
    _, idx = _ref_pool(x, ksize, stride, 0, cover_all, 'max')
    return _ref_unpool(gy, ksize, stride, 0, x.shape[2:], cover_all, idx)


def _pool_grad(x, gy, xp, **kwargs):
    v = dbr.Variable(x)
    y = F.max_pooling_nd(v, **kwargs)
    y = y[0] if isinstance(y, tuple) else y
    y.grad = gy
    y.backward()
    return v.grad


@pytest.mark.parametrize('layout', LAYOUTS)
@pytest.mark.parametrize('shape,ksize,stride,cover_all', DISJOINT)
def test_max_pooling_disjoint_ties_go_to_first_maximum(xp, shape, ksize, stride, cover_all,
                                                        layout):
    # Values in {0, 1, 2}: most windows have tied maxima, some ties start past the first offset.
    geo = windows_mod.geometry('max_pooling_nd', shape, None, ksize, stride, 0, cover_all)
    assert geo.first_max_ok
    x = numpy.random.randint(0, 3, shape).astype(numpy.float32)
    gy = _normal(geo.out_shape, numpy.float32)
    kw = dict(ksize=ksize, stride=stride, cover_all=cover_all)
    gx = _pool_grad(_laid_out(x, layout, xp), _laid_out(gy, layout, xp), xp, **kw)
    expected = _first_max_grad(x, gy, ksize, stride, cover_all)
    testing.assert_allclose(gx, expected, atol=0, rtol=0)
    # The argmax route (taken with return_indices) agrees exactly.
    gx_indexed = _pool_grad(xp.asarray(x), xp.asarray(gy), xp, return_indices=True, **kw)
    testing.assert_allclose(gx, gx_indexed, atol=0, rtol=0)


def test_max_pooling_disjoint_nan_window_sends_gradient_to_last_offset(xp):
    # As on the argmax route: a NaN maximum matches nothing, so its window's last offset gets it.
    x = _distinct((1, 2, 4, 4), numpy.float64)
    x[0, 0, 0, 1] = numpy.nan
    gy = _normal((1, 2, 2, 2), numpy.float64)
    gx = _pool_grad(xp.asarray(x), xp.asarray(gy), xp, ksize=2)
    gx_indexed = _pool_grad(xp.asarray(x), xp.asarray(gy), xp, ksize=2, return_indices=True)
    testing.assert_allclose(gx, gx_indexed, atol=0, rtol=0)
    assert float(gx[0, 0, 1, 1]) == gy[0, 0, 0, 0]
    assert float(abs(gx[0, 0, :2, :2]).sum()) == abs(gy[0, 0, 0, 0])


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('layout', ['batch_last', 'channels_last'])
@pytest.mark.parametrize('shape,ksize,stride,cover_all', DISJOINT)
def test_max_pooling_disjoint_grads(xp, shape, ksize, stride, cover_all, layout, dtype):
    x = _laid_out(_distinct(shape, dtype), layout, xp)
    _check_grads(lambda v: F.max_pooling_2d(v, ksize, stride, 0, cover_all), x, dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,ksize', [((2, 3, 8), 2), ((2, 2, 4, 6, 2), (2, 3, 1))])
def test_max_pooling_nd_disjoint_grads(xp, shape, ksize, dtype):
    x = _distinct(shape, dtype)
    y = _call(F.max_pooling_nd, x, xp, ksize=ksize)
    testing.assert_allclose(y.array, _ref_pool(x, ksize, None, 0, True, 'max')[0],
                            **_fwd_tol(dtype))
    _check_grads(lambda v: F.max_pooling_nd(v, ksize), x, dtype, xp)


@pytest.mark.parametrize('func,kw', [
    (F.max_pooling_2d, dict(ksize=2)),                     # disjoint windows
    (F.max_pooling_2d, dict(ksize=3, stride=2, pad=1)),    # overlapping and padded
    (F.average_pooling_2d, dict(ksize=2)),
    (F.average_pooling_2d, dict(ksize=3, stride=2, pad=1)),
])
@pytest.mark.parametrize('layout', ['batch_last', 'channels_last'])
def test_pooling_keeps_memory_order(xp, func, kw, layout):
    x = _distinct((3, 4, 6, 6), numpy.float32)
    xl = _laid_out(x, layout, xp)
    v = dbr.Variable(xl)
    y = func(v, **kw)
    testing.assert_allclose(y.array, func(xp.asarray(x), **kw).array, atol=0, rtol=0)
    # A gradient arriving in C order (e.g. through a reshape) is taken as it is.
    gy = _normal(y.shape, numpy.float32)
    y.grad = xp.asarray(gy)
    y.backward()
    expected = dbr.Variable(xp.asarray(x))
    y_c = func(expected, **kw)
    y_c.grad = xp.asarray(gy)
    y_c.backward()
    testing.assert_allclose(v.grad, expected.grad, atol=0, rtol=0)
    order = windows_mod.memory_order(xl)
    assert windows_mod.memory_order(y.array) == order
    assert windows_mod.memory_order(v.grad) == order
