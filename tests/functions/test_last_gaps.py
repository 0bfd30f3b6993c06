"""Tests of F.as_strided, F.shift, F.sparse_matmul and
F.discriminative_margin_based_clustering_loss."""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr.type_check import InvalidType
from dbr.utils import CooMatrix, to_coo

FLOATS = [numpy.float64, numpy.float32]


def _opts(dtype):
    if dtype is numpy.float64:
        return {}
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _tol(dtype):
    return dict(atol=1e-12, rtol=1e-10) if dtype is numpy.float64 else dict(atol=1e-5, rtol=1e-5)


def _rand(shape, dtype):
    return numpy.random.uniform(-1, 1, shape).astype(dtype)


# ----- as_strided -------------------------------------------------------------------------------

def _strided_ref(buf, shape, strides, offset):
    out = numpy.empty(shape, buf.dtype)
    for i in numpy.ndindex(*shape):
        out[i] = buf[offset + sum(a * s for a, s in zip(i, strides))]
    return out


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape, strides, offset', [
    ((3, 2), (1, 1), 0),       # overlapping windows
    ((2, 3), (3, 1), 2),
    ((4,), (-2, ), 7),         # negative stride
    ((2, 2), (0, 1), 1),       # broadcast (stride 0)
    ((1, 3), (5, 2), 0),
])
def test_as_strided_forward_backward(xp, dtype, shape, strides, offset):
    x = _rand(8, dtype)
    y = F.as_strided(dbr.Variable(xp.asarray(x)), shape, strides, offset)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(y.array),
                                     _strided_ref(x, shape, strides, offset))
    gy = _rand(shape, dtype)
    # reference gradient: every output index adds its gradient into the element it reads
    gx = numpy.zeros(8, numpy.float64)
    for i in numpy.ndindex(*shape):
        gx[offset + sum(a * s for a, s in zip(i, strides))] += gy[i]
    xv = dbr.Variable(xp.asarray(x))
    y = F.as_strided(xv, shape, strides, offset)
    y.grad = xp.asarray(gy)
    y.backward()
    numpy.testing.assert_allclose(dbr.backend.to_cpu(xv.grad), gx, **_tol(dtype))

    def f(a):
        return F.as_strided(a, shape, strides, offset)
    gradient_check.check_backward(f, xp.asarray(x), xp.asarray(gy), **_opts(dtype))
    gradient_check.check_double_backward(f, xp.asarray(x), xp.asarray(gy),
                                         xp.asarray(_rand(8, dtype)), **_opts(dtype))


def test_as_strided_reads_whole_buffer_of_a_view(xp):
    base = xp.arange(12, dtype=numpy.float64)
    view = base[2:8:2]  # elements 2, 4, 6
    # default offset is the view's own (2); the view's strides are ignored
    y = F.as_strided(view, (4,), (1,))
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(y.array), [2, 3, 4, 5])
    y = F.as_strided(view, (2, 2), (5, 1), 0)
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(y.array), [[0, 1], [5, 6]])
    # gradient reaches only the elements of x: 2 and 4 (3 and 5 are outside the view)
    v = dbr.Variable(view)
    y = F.as_strided(v, (4,), (1,))
    y.grad = xp.ones(4)
    y.backward()
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(v.grad), [1, 1, 0])


def test_as_strided_output_is_a_copy(xp):
    x = xp.zeros(4)
    y = F.as_strided(x, (2,), (1,), 0)
    y.array[0] = 5
    assert float(x[0]) == 0


def test_as_strided_overlapping_input_splits_gradient(xp):
    # x is itself an overlapping (broadcast) view: the gradient of one element is split
    # evenly among the 3 indexes of x that address it (layout-agnostic rule).
    base = xp.asarray(numpy.array([1.0, 2.0]))
    x = dbr.Variable(xp.broadcast_to(base, (3, 2)))
    y = F.as_strided(x, (2,), (1,), 0)
    y.grad = xp.asarray(numpy.array([3.0, 6.0]))
    y.backward()
    numpy.testing.assert_allclose(dbr.backend.to_cpu(x.grad), [[1, 2]] * 3)


def test_as_strided_transposed_and_empty(xp):
    x = xp.asarray(numpy.arange(6.0).reshape(2, 3)).T  # non-contiguous view of a buffer
    y = F.as_strided(x, (3,), (2,), 0)
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(y.array), [0, 2, 4])
    xv = dbr.Variable(xp.asarray(numpy.arange(3.0)))
    y = F.as_strided(xv, (0, 2), (1, 1), 0)
    assert y.shape == (0, 2)
    y.grad = xp.zeros((0, 2))
    y.backward()
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(xv.grad), [0, 0, 0])


def test_as_strided_errors(xp):
    x = xp.zeros(4)
    with pytest.raises(ValueError, match=r'as_strided: .*address elements 2\.\.5.*4 elements'):
        F.as_strided(x, (2, 2), (2, 1), 2)
    with pytest.raises(ValueError, match=r'as_strided: .*address elements -1\.\.'):
        F.as_strided(x, (2,), (-1,), 0)
    with pytest.raises(ValueError, match=r'as_strided: shape \(2,\) and strides \(1, 1\)'):
        F.as_strided(x, (2,), (1, 1))


# ----- shift ------------------------------------------------------------------------------------

def _shift_ref(x, kh, kw, dy, dx):
    c, h, w = x.shape[1:]
    ng = kh * kw
    gs = c // ng
    y = numpy.zeros_like(x)
    for ch in range(c):
        g = ch // gs
        g = ng - 1 if g == (ng - 1) // 2 else (ng - 1) // 2 if g == ng - 1 else g
        ky, kx = (g // kw - kh // 2, g % kw - kw // 2) if g < ng else (0, 0)
        for r in range(h):
            for q in range(w):
                ir, iq = r - ky * dy, q - kx * dx
                if 0 <= ir < h and 0 <= iq < w:
                    y[:, ch, r, q] = x[:, ch, ir, iq]
    return y


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('c, ksize, dilate', [
    (9, 3, 1), (11, 3, 1), (7, (3, 1), (2, 1)), (3, 1, 1), (10, (1, 3), (1, -2)), (9, 3, 5),
])
def test_shift(xp, dtype, c, ksize, dilate):
    x = _rand((2, c, 4, 5), dtype)
    kh, kw = ksize if isinstance(ksize, tuple) else (ksize, ksize)
    dy, dx = dilate if isinstance(dilate, tuple) else (dilate, dilate)
    y = F.shift(xp.asarray(x), ksize, dilate)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(y.array),
                                     _shift_ref(x, kh, kw, dy, dx))
    gy = _rand(x.shape, dtype)

    def f(a):
        return F.shift(a, ksize, dilate)
    gradient_check.check_backward(f, xp.asarray(x), xp.asarray(gy), **_opts(dtype))
    gradient_check.check_double_backward(f, xp.asarray(x), xp.asarray(gy),
                                         xp.asarray(_rand(x.shape, dtype)), **_opts(dtype))


def test_shift_non_contiguous_and_empty_batch(xp):
    x = _rand((4, 9, 3, 2), numpy.float64).transpose(0, 1, 3, 2)
    y = F.shift(xp.asarray(x))
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(y.array), _shift_ref(x, 3, 3, 1, 1))
    assert F.shift(xp.zeros((0, 9, 3, 3))).shape == (0, 9, 3, 3)


def test_shift_errors(xp):
    with pytest.raises(InvalidType, match=r'shift.*x\.shape\[1\] >= self\.kh \* self\.kw'):
        F.shift(xp.zeros((1, 8, 3, 3)), 3)
    with pytest.raises(InvalidType, match=r'shift.*x\.ndim == 4'):
        F.shift(xp.zeros((9, 3, 3)))
    with pytest.raises(InvalidType, match=r'shift.*dtype'):
        F.shift(xp.zeros((1, 9, 3, 3), numpy.int32))
    with pytest.raises(ValueError, match=r'shift: ksize must be odd and positive, got \(2, 3\)'):
        F.shift(xp.zeros((1, 9, 3, 3)), (2, 3))


# ----- sparse_matmul ----------------------------------------------------------------------------

def _sparse(shape, density=0.5):
    a = numpy.random.uniform(0.5, 1.5, shape) * numpy.random.choice([-1, 1], shape)
    return a * (numpy.random.uniform(size=shape) < density)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('batch', [(), (2,)])
@pytest.mark.parametrize('transa', [False, True])
@pytest.mark.parametrize('transb', [False, True])
@pytest.mark.parametrize('sparse_left', [True, False])
def test_sparse_matmul(xp, dtype, batch, transa, transb, sparse_left):
    m, k, n = 3, 4, 2
    a = _sparse(batch + (m, k)).astype(dtype)
    b = _sparse(batch + (k, n)).astype(dtype)
    ref = a.astype(numpy.float64) @ b
    sa = a.swapaxes(-1, -2) if transa else a
    sb = b.swapaxes(-1, -2) if transb else b
    sp_src = sa if sparse_left else sb
    coo = to_coo(xp.asarray(numpy.ascontiguousarray(sp_src)), ldnz=13)
    row, col, shape = coo.row, coo.col, coo.shape
    dense = xp.asarray(sb if sparse_left else sa)

    def f(data, d):
        sp = CooMatrix(data, row, col, shape)
        return F.sparse_matmul(sp, d, transa, transb) if sparse_left else \
            F.sparse_matmul(d, sp, transa, transb)
    y = f(coo.data.array, dense)
    assert y.dtype == dtype and y.shape == batch + (m, n)
    numpy.testing.assert_allclose(dbr.backend.to_cpu(y.array), ref, **_tol(dtype))
    data = coo.data.array
    gy = xp.asarray(_rand(batch + (m, n), dtype))
    gradient_check.check_backward(f, (data, dense), gy, **_opts(dtype))
    gradient_check.check_double_backward(
        f, (data, dense), gy, (xp.asarray(_rand(data.shape, dtype)),
                               xp.asarray(_rand(dense.shape, dtype))), **_opts(dtype))


def test_sparse_matmul_gradient_into_coo_data(xp):
    a = numpy.array([[0.0, 2.0], [3.0, 0.0]])
    coo = to_coo(xp.asarray(a), ldnz=3, requires_grad=True)
    b = dbr.Variable(xp.asarray(numpy.array([[1.0, 2.0], [3.0, 4.0]])))
    y = F.sparse_matmul(coo, b)
    F.sum(y).backward()
    # d sum / d a[r, c] = sum_n b[c, n]; padding slot gets 0
    numpy.testing.assert_allclose(dbr.backend.to_cpu(coo.data.grad), [7.0, 3.0, 0.0])
    numpy.testing.assert_allclose(dbr.backend.to_cpu(b.grad), [[3, 3], [2, 2]])


def test_sparse_matmul_duplicates_add_and_empty(xp):
    sp = CooMatrix(xp.asarray(numpy.array([1.0, 2.0])), xp.asarray(numpy.array([0, 0])),
                   xp.asarray(numpy.array([1, 1])), (2, 2))
    y = F.sparse_matmul(sp, xp.asarray(numpy.eye(2)))
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(y.array), [[0, 3], [0, 0]])
    empty = to_coo(xp.zeros((2, 3)))
    y = F.sparse_matmul(empty, xp.ones((3, 4)))
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(y.array), numpy.zeros((2, 4)))


def test_sparse_matmul_errors(xp):
    coo = to_coo(xp.asarray(numpy.eye(3)))
    with pytest.raises(InvalidType, match=r'sparse_matmul.*b\.shape=\(4, 2\).*\(3, 3\)'):
        F.sparse_matmul(coo, xp.zeros((4, 2)))
    with pytest.raises(InvalidType, match=r'sparse_matmul.*b\.shape=\(2, 3, 2\)'):
        F.sparse_matmul(coo, xp.zeros((2, 3, 2)))
    with pytest.raises(InvalidType, match=r'sparse_matmul.*b\.shape=\(3,\)'):
        F.sparse_matmul(coo, xp.zeros(3))
    with pytest.raises(InvalidType, match=r'sparse_matmul.*b\.shape=\(3, 2\) \(transb=True\)'):
        F.sparse_matmul(coo, xp.zeros((3, 2)), transb=True)
    with pytest.raises(InvalidType, match=r'sparse_matmul.*dtype'):
        F.sparse_matmul(coo, xp.zeros((3, 2), numpy.float32))
    with pytest.raises(ValueError, match='sparse_matmul: exactly one of a and b must be a '
                                         'CooMatrix, got CooMatrix and CooMatrix'):
        F.sparse_matmul(coo, coo)


# ----- discriminative_margin_based_clustering_loss ---------------------------------------------

def _disc_ref(e, lab, dv, dd, c, norm, alpha, beta, gamma):
    b = e.shape[0]
    nrm = (lambda x, ax: numpy.abs(x).sum(ax)) if norm == 1 else \
        (lambda x, ax: numpy.sqrt((x ** 2).sum(ax)))
    mus, var_terms = [], []
    for k in range(1, c + 1):
        mask = lab == k                                   # (B, H, W)
        cnt = mask.sum((1, 2))
        mu = (e * mask[:, None]).sum((2, 3)) / numpy.maximum(cnt, 1)[:, None]  # (B, D)
        mus.append(mu)
        d = nrm(e - mu[:, :, None, None], 1)              # (B, H, W)
        var_terms.append((numpy.maximum(d - dv, 0) ** 2 * mask).sum() / max(mask.sum(), 1))
    l_var = sum(var_terms) / c
    l_reg = sum(nrm(mu, (0, 1)) for mu in mus) / (c * b)
    l_dist, pairs = 0.0, 0
    for i in range(c):
        for j in range(i + 1, c):
            l_dist += (numpy.maximum(2 * dd - nrm(mus[i] - mus[j], 1), 0) ** 2).sum()
            pairs += 1
    l_dist /= max(pairs * b, 1)
    return alpha * l_var, beta * l_dist, gamma * l_reg


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('norm', [1, 2])
@pytest.mark.parametrize('b, d, c', [(2, 3, 3), (1, 2, 4), (3, 2, 1)])
def test_discriminative_loss(xp, dtype, norm, b, d, c):
    e = _rand((b, d, 3, 4), dtype)
    lab = numpy.random.randint(0, c + 2, (b, 3, 4))  # includes background and ignored labels
    args = (0.2, 0.6, c, norm, 1.0, 2.0, 0.5)
    out = F.discriminative_margin_based_clustering_loss(xp.asarray(e), xp.asarray(lab), *args)
    ref = _disc_ref(e.astype(numpy.float64), lab, *args)
    assert len(out) == 3
    for o, r in zip(out, ref):
        assert o.shape == () and o.dtype == dtype
        numpy.testing.assert_allclose(float(o.array), r, **_tol(dtype))

    def f(x):
        return F.discriminative_margin_based_clustering_loss(x, xp.asarray(lab), *args)
    gys = tuple(xp.asarray(numpy.array(g, dtype)) for g in numpy.random.uniform(0.5, 1, 3))
    gradient_check.check_backward(f, xp.asarray(e), gys, **_opts(dtype))


def test_discriminative_loss_double_backward_and_finite_l2_grad(xp):
    # absent instances (labels 3, 4 never occur) give zero distances: the L2 gradient must
    # stay finite there
    e = _rand((2, 2, 3, 3), numpy.float64)
    lab = numpy.random.randint(0, 3, (2, 3, 3))
    x = dbr.Variable(xp.asarray(e))
    losses = F.discriminative_margin_based_clustering_loss(x, xp.asarray(lab), 0.1, 1.0, 4, 2)
    F.sum(F.stack(losses)).backward()
    assert numpy.isfinite(dbr.backend.to_cpu(x.grad)).all()

    def f(a):
        return F.discriminative_margin_based_clustering_loss(a, xp.asarray(lab), 0.1, 1.0, 3)
    gys = tuple(xp.asarray(numpy.array(g)) for g in (1.0, 0.5, 2.0))
    gradient_check.check_double_backward(f, xp.asarray(e), gys, xp.asarray(_rand(e.shape,
                                                                              numpy.float64)))


def test_discriminative_loss_errors(xp):
    e = xp.zeros((2, 3, 4, 4))
    lab = xp.zeros((2, 4, 4), numpy.int32)
    name = 'discriminative_margin_based_clustering_loss'
    with pytest.raises(ValueError, match=f'{name}: norm must be 1 or 2, got 3'):
        F.discriminative_margin_based_clustering_loss(e, lab, 0.5, 1.5, 3, norm=3)
    with pytest.raises(ValueError, match=f'{name}: max_embedding_dim must be positive, got 0'):
        F.discriminative_margin_based_clustering_loss(e, lab, 0.5, 1.5, 0)
    with pytest.raises(ValueError, match=rf'{name}: labels must .* shape \(2, 4, 4\), got '
                                         r'shape \(2, 4, 3\)'):
        F.discriminative_margin_based_clustering_loss(e, lab[:, :, :3], 0.5, 1.5, 3)
    with pytest.raises(ValueError, match=rf'{name}: embeddings must .* got shape \(3, 4, 4\)'):
        F.discriminative_margin_based_clustering_loss(e[0], lab, 0.5, 1.5, 3)
    with pytest.raises(ValueError, match=f'{name}: delta_v must be non-negative'):
        F.discriminative_margin_based_clustering_loss(e, lab, -0.5, 1.5, 3)
