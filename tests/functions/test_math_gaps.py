"""Tests of the Chainer math functions added late: arctanh, cumprod, fmod, einsum, tensordot,
squared_difference, bias, scale, inv/batch_inv, det/batch_det, cholesky,
batch_l2_norm_squared, fft/ifft; the losses squared_error and absolute_error; and the
activations relu6 and rrelu. (The special functions are in test_special_gaps.py.)

Every function: forward against a NumPy reference, dtype kept, check_backward and
check_double_backward in float64 (default tolerances) and float32 (numerical side in
float64), edge shapes, non-contiguous inputs, and the errors of bad inputs.
"""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]


def _tol(dtype):
    return dict(atol=1e-12, rtol=1e-12) if dtype == numpy.float64 else dict(atol=1e-5, rtol=1e-5)


def _grad_opts(dtype):
    if dtype == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _u(shape, dtype=numpy.float64, lo=-1.0, hi=1.0):
    return numpy.asarray(numpy.random.uniform(lo, hi, shape)).astype(dtype)


def _host(v):
    return dbr.backend.to_cpu(v.array if isinstance(v, dbr.Variable) else v)


def _check_grads(func, inputs, dtype, xp, double=True):
    """check_backward (and check_double_backward) of ``func`` at host arrays ``inputs``."""
    inputs = tuple(xp.asarray(numpy.asarray(a).astype(dtype)) for a in inputs)
    with dbr.no_backprop_mode():
        y = func(*inputs)
    ys = y if isinstance(y, tuple) else (y,)
    gy = tuple(xp.asarray(numpy.random.standard_normal(v.shape).astype(dtype)) for v in ys)
    gy = gy if isinstance(y, tuple) else gy[0]
    opts = _grad_opts(dtype)
    gradient_check.check_backward(func, inputs, gy, **opts)
    if double:
        ggx = tuple(xp.asarray(numpy.random.standard_normal(a.shape).astype(dtype))
                    for a in inputs)
        gradient_check.check_double_backward(func, inputs, gy, ggx, **opts)


def _spd(n, batch=()):
    a = numpy.random.standard_normal(batch + (n, n))
    return a @ numpy.swapaxes(a, -1, -2) + n * numpy.eye(n)


def _well_conditioned(n, batch=()):
    return numpy.random.standard_normal(batch + (n, n)) + 3 * numpy.eye(n)


# ----- arctanh -----------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('shape', [(3, 4), (), (0, 2)])
def test_arctanh_forward(xp, shape, dtype):
    x = _u(shape, dtype, -0.9, 0.9)
    y = F.arctanh(xp.asarray(x))
    assert y.dtype == dtype and y.shape == shape
    tol = dict(atol=2e-3, rtol=2e-3) if dtype == numpy.float16 else _tol(dtype)
    numpy.testing.assert_allclose(_host(y), numpy.arctanh(x.astype(numpy.float64)), **tol)


@pytest.mark.parametrize('dtype', FLOATS)
def test_arctanh_gradients(xp, dtype):
    _check_grads(F.arctanh, (_u((3, 2), lo=-0.8, hi=0.8),), dtype, xp)


def test_arctanh_rejects_integers():
    with pytest.raises(InvalidType, match=r"arctanh: expected x\.dtype\.kind == 'f'"):
        F.arctanh(numpy.arange(3))


# ----- cumprod -----------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape, axis', [((3, 4), 1), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), None),
                                         ((5,), 0), ((1,), 0), ((2, 0, 3), 1), ((0,), None)])
def test_cumprod_forward(xp, shape, axis, dtype):
    x = _u(shape, dtype, 0.5, 1.5)
    y = F.cumprod(xp.asarray(x), axis)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(_host(y), numpy.cumprod(x, axis), **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('axis', [0, 1, None])
def test_cumprod_gradients_with_zeros(xp, axis, dtype):
    x = _u((3, 5), lo=0.5, hi=1.5)
    x[1, 2] = x[2, 0] = x[0, 4] = 0.0
    x[1, 3] = 0.0        # two zeros in one row
    _check_grads(lambda v: F.cumprod(v, axis), (x,), dtype, xp)


def test_cumprod_gradient_exact_at_zeros(xp):
    x = numpy.array([2.0, 0.0, 3.0, 0.5, 4.0])
    gy = numpy.array([1.0, -2.0, 0.5, 3.0, -1.0])
    v = dbr.Variable(xp.asarray(x))
    y = F.cumprod(v)
    y.grad = xp.asarray(gy)
    y.backward()
    # d y_i / d x_k = prod_{j <= i, j != k} x_j, written out
    ref = [sum(gy[i] * numpy.prod([x[j] for j in range(i + 1) if j != k])
               for i in range(k, 5)) for k in range(5)]
    numpy.testing.assert_allclose(_host(v.grad), ref, rtol=1e-15)


def test_cumprod_long_axis_and_non_contiguous(xp):
    x = _u((300, 2), lo=0.9, hi=1.1)
    y = F.cumprod(xp.asarray(x).T, axis=1)
    numpy.testing.assert_allclose(_host(y), numpy.cumprod(x.T, axis=1), rtol=1e-13)
    _check_grads(lambda v: F.cumprod(v, 0), (x[:40],), numpy.float64, xp)


def test_cumprod_errors():
    with pytest.raises(InvalidType, match=r'cumprod: expected axis in \[-2, 2\), got axis=2, '
                                          r'x\.shape=\(3, 4\)'):
        F.cumprod(numpy.ones((3, 4)), axis=2)
    with pytest.raises(TypeError, match=r'cumprod: axis must be None or an int, got \(0, 1\)'):
        F.cumprod(numpy.ones((3, 4)), axis=(0, 1))
    with pytest.raises(InvalidType, match=r"cumprod: expected x\.dtype\.kind == 'f'"):
        F.cumprod(numpy.ones(3, numpy.int32), axis=0)
    with pytest.raises(InvalidType, match=r'cumprod: expected x\.ndim >= 1'):
        F.cumprod(numpy.array(2.0), axis=0)


# ----- fmod --------------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shapes', [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2,)), ((0, 2), (2,))])
def test_fmod_forward(xp, shapes, dtype):
    x = _u(shapes[0], dtype, -7, 7)
    d = _u(shapes[1], dtype, 1, 3) * numpy.where(_u(shapes[1]) < 0, -1, 1).astype(dtype)
    y = F.fmod(xp.asarray(x), xp.asarray(d))
    assert y.dtype == dtype
    numpy.testing.assert_allclose(_host(y), numpy.fmod(x, d), **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_fmod_gradients(xp, dtype):
    d = numpy.array([1.3, -2.1, 2.7])
    q = numpy.array([[2.4, -1.6, 0.3], [-3.6, 0.5, 1.5]])    # x / d away from integers
    _check_grads(F.fmod, (q * d, d), dtype, xp)


def test_fmod_errors():
    with pytest.raises(InvalidType, match=r'fmod: expected x1\.dtype == x2\.dtype'):
        F.fmod(numpy.ones(2), numpy.ones(2, numpy.float32))
    with pytest.raises(InvalidType, match=r'fmod: expected shapes that broadcast together, '
                                          r'got \(2,\), \(3,\)'):
        F.fmod(numpy.ones(2), numpy.ones(3))


# ----- einsum ------------------------------------------------------------------------------------

EINSUM = [
    ('ij,jk->ik', [(2, 3), (3, 4)]),
    ('ij,ik,jkl->il', [(3, 4), (3, 5), (4, 5, 6)]),
    ('...j,...k,jkl', [(3, 4), (3, 5), (4, 5, 6)]),
    ('bij,bjk->bik', [(2, 3, 4), (2, 4, 5)]),
    ('bij,bjk->bik', [(1, 3, 4), (3, 4, 5)]),        # a length-1 axis broadcast
    ('...ij,...jk', [(2, 1, 3, 4), (5, 4, 2)]),      # '...' of different lengths
    ('ij->ji', [(3, 4)]),
    ('ij', [(3, 4)]),
    ('ji', [(3, 4)]),                                # implicit output: sorted letters
    ('ii->i', [(3, 3)]),
    ('ii', [(3, 3)]),
    ('iij->ji', [(3, 3, 2)]),
    ('ij->', [(3, 4)]),
    ('i,j->ij', [(3,), (4,)]),
    ('i,i', [(5,), (5,)]),
    ('ij,j->i', [(3, 0), (0,)]),                     # empty contraction
    ('aB,Bc', [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('subscripts, shapes', EINSUM)
def test_einsum_forward(xp, subscripts, shapes, dtype):
    xs = [_u(s, dtype) for s in shapes]
    y = F.einsum(subscripts, *[xp.asarray(x) for x in xs])
    ref = numpy.einsum(subscripts, *[x.astype(numpy.float64) for x in xs])
    assert y.dtype == dtype and y.shape == ref.shape
    numpy.testing.assert_allclose(_host(y), ref, **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('subscripts, shapes', [e for e in EINSUM if 0 not in sum(e[1], ())])
def test_einsum_gradients(xp, subscripts, shapes, dtype):
    _check_grads(lambda *xs: F.einsum(subscripts, *xs), [_u(s) for s in shapes], dtype, xp)


def test_einsum_diagonal_with_a_broadcast_operand(xp):
    # 'ii,i' with a (1, 1) first operand: broadcast to (3, 3), then the diagonal
    a, b = _u((1, 1)), _u((3,))
    y = F.einsum('ii,i->i', xp.asarray(a), xp.asarray(b))
    numpy.testing.assert_allclose(_host(y), a[0, 0] * b)
    _check_grads(lambda p, q: F.einsum('ii,i->i', p, q), (a, b), numpy.float64, xp)


def test_einsum_sublist_form(xp):
    a, b, w = _u((3, 4)), _u((3, 5)), _u((4, 5, 6))
    y = F.einsum(xp.asarray(a), [0, 1], xp.asarray(b), [0, 2], xp.asarray(w), [1, 2, 3], [0, 3])
    numpy.testing.assert_allclose(_host(y), numpy.einsum('ij,ik,jkl->il', a, b, w), rtol=1e-12)
    y = F.einsum(xp.asarray(a), [Ellipsis, 1], xp.asarray(b), [Ellipsis, 2], xp.asarray(w),
                 [1, 2, 3])
    assert y.shape == (3, 6)


def test_einsum_output_owns_its_data(xp):
    x = xp.asarray(_u((3, 4)))
    for subscripts in ('ij->ij', 'ij->ji', 'ij'):
        y = F.einsum(subscripts, x)
        assert not xp.may_share_memory(y.array, x)
    # a transposed (non-contiguous) operand
    a = _u((4, 3))
    numpy.testing.assert_allclose(_host(F.einsum('ij,jk', xp.asarray(a).T, xp.asarray(a))),
                                  a.T @ a, rtol=1e-12)


@pytest.mark.parametrize('args, error, match', [
    (('ij,jk', (2, 3)), ValueError, r"einsum: subscripts 'ij,jk' name 2 operands, got 1"),
    (('ij->i->j', (2, 3)), ValueError, "einsum: subscripts have more than one '->'"),
    (('i1', (2, 3)), ValueError, "einsum: subscripts may hold only letters and one '...'"),
    (('i..j', (2, 3)), ValueError, "einsum: subscripts may hold only letters"),
    (('ijk', (2, 3)), ValueError, r"einsum: subscripts 'ijk' do not fit an operand of shape "
                                  r'\(2, 3\)'),
    (('ij,jk', (2, 3), (4, 5)), ValueError, r"einsum: subscript 'j' has lengths 3 and 4"),
    (('ii', (2, 3)), ValueError, r"einsum: repeated subscript 'i' of one operand needs equal"),
    (('ij->k', (2, 3)), ValueError, r"einsum: output subscripts 'k' appear in no operand"),
    (('ij->ii', (2, 3)), ValueError, 'einsum: output subscripts repeat a letter'),
    (('...i->i', (2, 3)), ValueError, r"einsum: the output needs '\.\.\.' for the 1 broadcast"),
])
def test_einsum_bad_subscripts(args, error, match):
    with pytest.raises(error, match=match):
        F.einsum(args[0], *[numpy.ones(s) for s in args[1:]])


def test_einsum_bad_operands():
    with pytest.raises(InvalidType, match=r'einsum: expected float operands of one dtype, '
                                          r'got operand0\.dtype=float64, operand1\.dtype=float32'):
        F.einsum('i,i', numpy.ones(2), numpy.ones(2, numpy.float32))
    with pytest.raises(InvalidType, match=r'operand0\.dtype=int64'):
        F.einsum('i', numpy.ones(2, numpy.int64))
    with pytest.raises(TypeError, match='einsum: expected subscripts and operands'):
        F.einsum()
    with pytest.raises(TypeError, match='einsum: expected at least one operand'):
        F.einsum('i')
    with pytest.raises(ValueError, match=r'einsum: sublists must hold Ellipsis or ints'):
        F.einsum(numpy.ones(2), ['a'])


# ----- tensordot ---------------------------------------------------------------------------------

TENSORDOT = [
    ((3, 4, 5), (4, 5, 2), 2),
    ((3, 4), (4, 2), 1),
    ((2, 3), (4,), 0),
    ((3, 4, 5), (5, 2, 3), ((2, 0), (0, 2))),
    ((3, 4, 5), (5, 2, 4), ((1, 2), (2, 0))),
    ((3, 4), (4, 3), ((0, 1), (1, 0))),             # a full contraction: a 0-d result
    ((3, 4), (2, 4), ((-1,), (-1,))),
    ((3, 4), (4, 2), (1, 0)),                       # a pair of single axes
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('sa, sb, axes', TENSORDOT)
def test_tensordot_forward(xp, sa, sb, axes, dtype):
    a, b = _u(sa, dtype), _u(sb, dtype)
    y = F.tensordot(xp.asarray(a), xp.asarray(b), axes)
    ref = numpy.tensordot(a.astype(numpy.float64), b.astype(numpy.float64), axes)
    assert y.dtype == dtype and y.shape == ref.shape
    numpy.testing.assert_allclose(_host(y), ref, **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('sa, sb, axes', TENSORDOT)
def test_tensordot_gradients(xp, sa, sb, axes, dtype):
    _check_grads(lambda a, b: F.tensordot(a, b, axes), (_u(sa), _u(sb)), dtype, xp)


def test_tensordot_default_axes_and_layouts(xp):
    a, b = _u((4, 3, 2)), _u((3, 2, 5))
    numpy.testing.assert_allclose(_host(F.tensordot(xp.asarray(a), xp.asarray(b))),
                                  numpy.tensordot(a, b), rtol=1e-12)
    at = _u((2, 3, 4)).transpose(2, 1, 0)      # non-contiguous
    numpy.testing.assert_allclose(_host(F.tensordot(xp.asarray(at), xp.asarray(b))),
                                  numpy.tensordot(at, b), rtol=1e-12)


def test_tensordot_errors():
    a, b = numpy.ones((3, 4)), numpy.ones((5, 2))
    with pytest.raises(InvalidType, match=r'tensordot: expected the contracted axes of a and '
                                          r'b to have equal lengths, got a\.shape=\(3, 4\) over'):
        F.tensordot(a, b, 1)
    with pytest.raises(ValueError, match=r'tensordot: axes=3 must be in \[0, 2\]'):
        F.tensordot(a, b, 3)
    with pytest.raises(ValueError, match=r'tensordot: axes of a must be ints in \[-2, 2\)'):
        F.tensordot(a, b, ((2,), (0,)))
    with pytest.raises(ValueError, match=r'tensordot: a and b need as many axes'):
        F.tensordot(a, b, ((0, 1), (0,)))
    with pytest.raises(ValueError, match=r'tensordot: repeated axes of b'):
        F.tensordot(a, b, ((0, 1), (1, 1)))
    with pytest.raises(ValueError, match=r'tensordot: axes must be an int or a pair'):
        F.tensordot(a, b, (1, 0, 1))
    with pytest.raises(InvalidType, match=r'tensordot: expected a\.dtype == b\.dtype'):
        F.tensordot(a, numpy.ones((4, 2), numpy.float32), 1)


# ----- squared_difference, squared_error, absolute_error ----------------------------------------

@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('shapes', [((3, 4), (3, 4)), ((3, 1), (4,)), ((), ()), ((0, 3), (3,))])
def test_squared_difference_forward(xp, shapes, dtype):
    a, b = _u(shapes[0], dtype), _u(shapes[1], dtype)
    y = F.squared_difference(xp.asarray(a), xp.asarray(b))
    assert y.dtype == dtype
    tol = dict(atol=2e-3, rtol=2e-3) if dtype == numpy.float16 else _tol(dtype)
    numpy.testing.assert_allclose(_host(y), (a.astype(float) - b.astype(float)) ** 2, **tol)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shapes', [((3, 4), (3, 4)), ((3, 1), (4,))])
def test_squared_difference_gradients(xp, shapes, dtype):
    _check_grads(F.squared_difference, (_u(shapes[0]), _u(shapes[1])), dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(3, 4), (), (0,)])
def test_squared_and_absolute_error_forward(xp, shape, dtype):
    a, b = _u(shape, dtype), _u(shape, dtype)
    se = F.squared_error(xp.asarray(a), xp.asarray(b))
    ae = F.absolute_error(xp.asarray(a), xp.asarray(b))
    assert se.dtype == ae.dtype == dtype and se.shape == ae.shape == shape
    numpy.testing.assert_allclose(_host(se), (a - b) ** 2, **_tol(dtype))
    numpy.testing.assert_allclose(_host(ae), numpy.abs(a - b), **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_squared_and_absolute_error_gradients(xp, dtype):
    a = _u((3, 4))
    b = a + numpy.where(_u((3, 4)) < 0, -1, 1) * _u((3, 4), lo=0.2, hi=1.0)   # no ties
    _check_grads(F.squared_error, (a, b), dtype, xp)
    _check_grads(F.absolute_error, (a, b), dtype, xp)
    # the transposed (non-contiguous) layout
    y = F.absolute_error(xp.asarray(a).T, xp.asarray(b).T)
    numpy.testing.assert_allclose(_host(y), numpy.abs(a - b).T)


@pytest.mark.parametrize('func, label', [(F.squared_error, 'squared_error'),
                                         (F.absolute_error, 'absolute_error')])
def test_error_losses_reject_mismatched_inputs(func, label):
    with pytest.raises(InvalidType, match=rf'{label}: expected x0\.shape == x1\.shape, got '
                                          r'x0\.shape=\(3, 4\), x1\.shape=\(4,\)'):
        func(numpy.ones((3, 4)), numpy.ones(4))
    with pytest.raises(InvalidType, match=rf'{label}: expected x0\.dtype == x1\.dtype'):
        func(numpy.ones(3), numpy.ones(3, numpy.float32))
    with pytest.raises(InvalidType, match=rf"{label}: expected x0\.dtype\.kind == 'f'"):
        func(numpy.ones(3, numpy.int32), numpy.ones(3, numpy.int32))


def test_squared_difference_errors():
    with pytest.raises(InvalidType, match=r'squared_difference: expected shapes that broadcast'):
        F.squared_difference(numpy.ones(2), numpy.ones(3))


# ----- bias, scale -------------------------------------------------------------------------------

BIAS_CASES = [((2, 3, 4, 5), (3, 4), 1), ((2, 3, 4, 5), (5,), 3), ((2, 3, 4, 5), (2, 3, 4, 5), 0),
              ((2, 3, 4), (3,), -2), ((2, 3), (), 1), ((0, 3), (3,), 1)]


def _laid(x, y, axis):
    axis %= x.ndim
    return y.reshape((1,) * axis + y.shape + (1,) * (x.ndim - axis - y.ndim))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('sx, sy, axis', BIAS_CASES)
def test_bias_and_scale_forward(xp, sx, sy, axis, dtype):
    x, y = _u(sx, dtype), _u(sy, dtype)
    b = F.bias(xp.asarray(x), xp.asarray(y), axis)
    s = F.scale(xp.asarray(x), xp.asarray(y), axis)
    assert b.shape == s.shape == sx and b.dtype == s.dtype == dtype
    numpy.testing.assert_allclose(_host(b), x + _laid(x, y, axis), **_tol(dtype))
    numpy.testing.assert_allclose(_host(s), x * _laid(x, y, axis), **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('sx, sy, axis', [c for c in BIAS_CASES if 0 not in c[0]])
def test_bias_and_scale_gradients(xp, sx, sy, axis, dtype):
    x, y = _u(sx), _u(sy)
    _check_grads(lambda a, b: F.bias(a, b, axis), (x, y), dtype, xp)
    _check_grads(lambda a, b: F.scale(a, b, axis), (x, y), dtype, xp)


def test_bias_and_scale_default_axis(xp):
    x, y = _u((2, 3, 4)), _u((3,))
    numpy.testing.assert_allclose(_host(F.bias(xp.asarray(x), xp.asarray(y))),
                                  x + y[:, None])
    numpy.testing.assert_allclose(_host(F.scale(xp.asarray(x), xp.asarray(y))),
                                  x * y[:, None])


@pytest.mark.parametrize('func, label', [(F.bias, 'bias'), (F.scale, 'scale')])
def test_bias_and_scale_errors(func, label):
    x = numpy.ones((2, 3, 4))
    with pytest.raises(InvalidType, match=rf'{label}: expected y\.shape == '
                                          r'x\.shape\[axis:axis \+ y\.ndim\], got '
                                          r'x\.shape=\(2, 3, 4\), y\.shape=\(4,\), axis=1'):
        func(x, numpy.ones(4))
    with pytest.raises(InvalidType, match=rf'{label}: expected y\.shape'):
        func(x, numpy.ones((4, 1)), 2)
    with pytest.raises(InvalidType, match=rf'{label}: expected y\.shape'):
        func(x, numpy.ones(3), 5)
    with pytest.raises(InvalidType, match=rf"{label}: expected x\.dtype\.kind == 'f' and "
                                          r'y\.dtype == x\.dtype'):
        func(x, numpy.ones(3, numpy.float32))


# ----- inv, batch_inv, det, batch_det, cholesky -------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('n', [1, 3])
def test_inv_and_det_forward(xp, n, dtype):
    a = _well_conditioned(n).astype(dtype)
    ab = _well_conditioned(n, (2,)).astype(dtype)
    tol = dict(atol=1e-12, rtol=1e-11) if dtype == numpy.float64 else dict(atol=1e-5, rtol=1e-4)
    for y, ref in ((F.inv(xp.asarray(a)), numpy.linalg.inv(a.astype(float))),
                   (F.batch_inv(xp.asarray(ab)), numpy.linalg.inv(ab.astype(float))),
                   (F.det(xp.asarray(a)), numpy.linalg.det(a.astype(float))),
                   (F.batch_det(xp.asarray(ab)), numpy.linalg.det(ab.astype(float)))):
        assert y.dtype == dtype and y.shape == ref.shape
        numpy.testing.assert_allclose(_host(y), ref, **tol)


@pytest.mark.parametrize('dtype', FLOATS)
def test_inv_and_det_gradients(xp, dtype):
    a = _well_conditioned(3)
    ab = _well_conditioned(3, (2,))
    _check_grads(F.inv, (a,), dtype, xp)
    _check_grads(F.batch_inv, (ab,), dtype, xp)
    _check_grads(F.det, (a,), dtype, xp)
    _check_grads(F.batch_det, (ab,), dtype, xp)


def test_matrix_functions_in_float16(xp):
    a = _spd(3).astype(numpy.float16)
    a64 = a.astype(numpy.float64)
    for func, ref in ((F.inv, numpy.linalg.inv(a64)), (F.det, numpy.linalg.det(a64)),
                      (F.cholesky, numpy.linalg.cholesky(a64)),
                      (F.batch_inv, numpy.linalg.inv(a64[None])),
                      (F.batch_det, numpy.linalg.det(a64[None]))):
        y = func(xp.asarray(a[None] if func in (F.batch_inv, F.batch_det) else a))
        assert y.dtype == numpy.float16
        numpy.testing.assert_allclose(_host(y).astype(numpy.float64), ref, rtol=3e-3, atol=1e-3)


def test_inv_and_det_of_a_transposed_matrix(xp):
    a = _well_conditioned(4)
    at = xp.asarray(a).T
    numpy.testing.assert_allclose(_host(F.inv(at)), numpy.linalg.inv(a.T), rtol=1e-12)
    numpy.testing.assert_allclose(_host(F.det(at)), numpy.linalg.det(a), rtol=1e-12)


@pytest.mark.parametrize('func, label, good', [
    (F.inv, 'inv', 2), (F.batch_inv, 'batch_inv', 3), (F.det, 'det', 2),
    (F.batch_det, 'batch_det', 3), (F.cholesky, 'cholesky', 2)])
def test_matrix_functions_reject_bad_shapes(func, label, good):
    bad_ndim = numpy.ones((2,) * (good + 1))
    with pytest.raises(InvalidType, match=rf'{label}: expected a\.ndim == {good}, got '
                                          rf'a\.ndim={good + 1}'):
        func(bad_ndim)
    with pytest.raises(InvalidType, match=rf'{label}: expected a\.shape\[.*\] == a\.shape\[.*'
                                          rf'got a\.shape=\({"2, " * (good - 1)}3\)'):
        func(numpy.ones((2,) * (good - 1) + (3,)))
    with pytest.raises(InvalidType, match=rf"{label}: expected a\.dtype\.kind == 'f'"):
        func(numpy.eye(2, dtype=numpy.int64).reshape((1,) * (good - 2) + (2, 2)))


def test_inv_of_a_singular_matrix():
    with pytest.raises(ValueError, match='inv: the matrix is singular'):
        F.inv(numpy.ones((2, 2)))
    with pytest.raises(ValueError, match='batch_inv: the matrix is singular'):
        F.batch_inv(numpy.ones((1, 2, 2)))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('n', [1, 4])
def test_cholesky_forward(xp, n, dtype):
    a = _spd(n).astype(dtype)
    y = F.cholesky(xp.asarray(a))
    assert y.dtype == dtype
    tol = dict(atol=1e-12, rtol=1e-12) if dtype == numpy.float64 else dict(atol=1e-5, rtol=1e-5)
    numpy.testing.assert_allclose(_host(y), numpy.linalg.cholesky(a.astype(float)), **tol)
    L = _host(y).astype(numpy.float64)
    numpy.testing.assert_allclose(L @ L.T, a, **tol)
    assert (numpy.triu(L, 1) == 0).all()


@pytest.mark.parametrize('dtype', FLOATS)
def test_cholesky_gradients(xp, dtype):
    # cholesky reads a symmetric matrix: check it along symmetric perturbations
    def func(a):
        return F.cholesky((a + a.T) * 0.5)
    _check_grads(func, (_spd(3),), dtype, xp)


def test_cholesky_gradient_is_symmetric(xp):
    a = dbr.Variable(xp.asarray(_spd(3)))
    F.sum(F.cholesky(a) * xp.asarray(_u((3, 3)))).backward()
    g = _host(a.grad)
    numpy.testing.assert_allclose(g, g.T, rtol=1e-12, atol=1e-15)


def test_cholesky_of_an_indefinite_matrix():
    with pytest.raises(ValueError, match='cholesky: the matrix is not positive definite'):
        F.cholesky(numpy.array([[1.0, 2.0], [2.0, 1.0]]))


# ----- batch_l2_norm_squared ---------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('shape', [(3, 4), (2, 3, 4), (1, 1), (0, 3), (3, 0)])
def test_batch_l2_norm_squared_forward(xp, shape, dtype):
    x = _u(shape, dtype)
    y = F.batch_l2_norm_squared(xp.asarray(x))
    assert y.dtype == dtype and y.shape == shape[:1]
    tol = dict(atol=2e-3, rtol=2e-3) if dtype == numpy.float16 else _tol(dtype)
    ref = (x.astype(numpy.float64) ** 2).reshape(shape[0], int(numpy.prod(shape[1:]))).sum(1)
    numpy.testing.assert_allclose(_host(y), ref, **tol)


@pytest.mark.parametrize('dtype', FLOATS)
def test_batch_l2_norm_squared_gradients(xp, dtype):
    _check_grads(F.batch_l2_norm_squared, (_u((3, 2, 2)),), dtype, xp)
    x = _u((4, 3))
    numpy.testing.assert_allclose(_host(F.batch_l2_norm_squared(xp.asarray(x).T)),
                                  (x.T ** 2).sum(axis=1), rtol=1e-12)


def test_batch_l2_norm_squared_needs_a_batch():
    with pytest.raises(InvalidType, match=r'batch_l2_norm_squared: expected x\.ndim >= 2, '
                                          r'got x\.ndim=1'):
        F.batch_l2_norm_squared(numpy.ones(3))


# ----- fft, ifft ---------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(5,), (2, 8), (2, 3, 1)])
def test_fft_and_ifft_forward(xp, shape, dtype):
    r, i = _u(shape, dtype), _u(shape, dtype)
    c = r.astype(numpy.float64) + 1j * i.astype(numpy.float64)
    for func, ref in ((F.fft, numpy.fft.fft(c)), (F.ifft, numpy.fft.ifft(c))):
        yr, yi = func((xp.asarray(r), xp.asarray(i)))
        assert yr.dtype == yi.dtype == dtype and yr.shape == shape
        numpy.testing.assert_allclose(_host(yr), ref.real, **_tol(dtype))
        numpy.testing.assert_allclose(_host(yi), ref.imag, **_tol(dtype))
    # round trip
    back = F.ifft(F.fft((xp.asarray(r), xp.asarray(i))))
    numpy.testing.assert_allclose(_host(back[0]), r, **_tol(dtype))
    numpy.testing.assert_allclose(_host(back[1]), i, **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('func', [F.fft, F.ifft])
def test_fft_and_ifft_gradients(xp, func, dtype):
    _check_grads(lambda r, i: func((r, i)), (_u((2, 5)), _u((2, 5))), dtype, xp)


@pytest.mark.parametrize('func', [F.fft, F.ifft])
def test_fft_gradient_of_one_part(xp, func):
    # only the real part feeds the loss: the imaginary part's gradient is None
    r, i = (dbr.Variable(xp.asarray(_u((3,)))) for _ in range(2))
    yr, _ = func((r, i))
    F.sum(yr * yr).backward()
    rr, ii = _host(r), _host(i)
    c = rr + 1j * ii
    out = numpy.fft.fft(c) if func is F.fft else numpy.fft.ifft(c)
    eps = 1e-6
    num = []
    for k in range(3):
        d = numpy.zeros(3)
        d[k] = eps
        t = numpy.fft.fft if func is F.fft else numpy.fft.ifft
        num.append(((t(c + d).real ** 2).sum() - (t(c - d).real ** 2).sum()) / (2 * eps))
    numpy.testing.assert_allclose(_host(r.grad), num, rtol=1e-6, atol=1e-8)
    assert out.shape == (3,)


@pytest.mark.parametrize('func, label', [(F.fft, 'fft'), (F.ifft, 'ifft')])
def test_fft_errors(func, label):
    with pytest.raises(InvalidType, match=rf'{label}: expected real\.shape == imag\.shape'):
        func((numpy.ones(3), numpy.ones(4)))
    with pytest.raises(InvalidType, match=rf'{label}: expected real\.dtype == imag\.dtype'):
        func((numpy.ones(3), numpy.ones(3, numpy.float32)))
    with pytest.raises(InvalidType, match=rf'{label}: expected real\.ndim > 0'):
        func((numpy.array(1.0), numpy.array(1.0)))
    with pytest.raises(InvalidType, match=rf'{label}: expected real\.shape\[-1\] > 0'):
        func((numpy.ones((2, 0)), numpy.ones((2, 0))))
    with pytest.raises(InvalidType, match=rf"{label}: expected real\.dtype\.kind == 'f'"):
        func((numpy.ones(3, numpy.int32), numpy.ones(3, numpy.int32)))


# ----- relu6, rrelu ------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('shape', [(3, 4), (), (0, 2)])
def test_relu6_forward(xp, shape, dtype):
    x = _u(shape, dtype, -4, 10)
    y = F.relu6(xp.asarray(x))
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_array_equal(_host(y), numpy.clip(x, 0, 6))


@pytest.mark.parametrize('dtype', FLOATS)
def test_relu6_gradients(xp, dtype):
    x = numpy.array([[-2.0, 0.5, 3.0], [5.5, 7.0, -0.3]])   # away from the kinks 0 and 6
    _check_grads(F.relu6, (x,), dtype, xp)


def test_relu6_rejects_integers():
    with pytest.raises(InvalidType, match=r"relu6: expected x\.dtype\.kind == 'f'"):
        F.relu6(numpy.arange(3))


@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
def test_rrelu_training_draws_slopes(xp, dtype):
    x = _u((50, 40), dtype, -2, 2)
    y, r = F.rrelu(xp.asarray(x), l=0.1, u=0.3, return_r=True)
    r = _host(r)
    assert y.dtype == r.dtype == dtype and r.shape == x.shape
    assert r.min() >= dtype(0.1) and r.max() <= dtype(0.3) and r.std() > 0.03
    numpy.testing.assert_array_equal(_host(y), numpy.where(x >= 0, x, x * r))
    # the same slopes again from r
    y2 = F.rrelu(xp.asarray(x), r=xp.asarray(r))
    numpy.testing.assert_array_equal(_host(y2), _host(y))


def test_rrelu_test_mode_uses_the_mean_slope(xp):
    x = _u((3, 4), numpy.float32, -2, 2)
    with dbr.using_config('train', False):
        y, r = F.rrelu(xp.asarray(x), return_r=True)
        # a given r is ignored outside training, as in Chainer
        y2 = F.rrelu(xp.asarray(x), r=xp.asarray(numpy.zeros((2, 2), numpy.float32)))
    slope = (1 / 8 + 1 / 3) / 2
    numpy.testing.assert_allclose(_host(r), numpy.full((3, 4), slope, numpy.float32))
    numpy.testing.assert_allclose(_host(y), numpy.where(x >= 0, x, x * numpy.float32(slope)))
    numpy.testing.assert_array_equal(_host(y2), _host(y))


@pytest.mark.parametrize('dtype', FLOATS)
def test_rrelu_gradients(xp, dtype):
    x = _u((3, 4), lo=0.1, hi=1.0) * numpy.where(_u((3, 4)) < 0, -1, 1)
    r = _u((3, 4), dtype, 0.1, 0.3)
    _check_grads(lambda v: F.rrelu(v, r=xp.asarray(r).astype(v.dtype)), (x,), dtype, xp)
    # with l = 0 the slope can be 0: the negative side still gets r, not 1
    v = dbr.Variable(xp.asarray(numpy.array([-1.0, 2.0])))
    F.sum(F.rrelu(v, l=0.0, r=xp.asarray(numpy.zeros(2)))).backward()
    numpy.testing.assert_array_equal(_host(v.grad), [0.0, 1.0])


def test_rrelu_errors():
    x = numpy.ones((2, 3), numpy.float32)
    with pytest.raises(ValueError, match=r'rrelu: l must be in \[0, 1\), got -0\.1'):
        F.rrelu(x, l=-0.1)
    with pytest.raises(ValueError, match=r'rrelu: u must be in \[0, 1\), got 1\.5'):
        F.rrelu(x, u=1.5)
    with pytest.raises(ValueError, match=r'rrelu: l must be less than u, got l=0\.3, u=0\.2'):
        F.rrelu(x, l=0.3, u=0.2)
    with pytest.raises(InvalidType, match=r'rrelu: expected self\.r is None or '
                                          r'self\.r\.shape == x\.shape'):
        F.rrelu(x, r=numpy.ones(3, numpy.float32))
    with pytest.raises(InvalidType, match=r'self\.r\.dtype == x\.dtype'):
        F.rrelu(x, r=numpy.ones((2, 3)))
    with pytest.raises(ValueError, match='rrelu: the train argument is not supported'):
        F.rrelu(x, train=True)
    with pytest.raises(TypeError, match=r"rrelu: unexpected keyword arguments \['mask'\]"):
        F.rrelu(x, mask=None)
