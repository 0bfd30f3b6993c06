"""Tests of the dbr.functions.math functions beyond the arithmetic core (see test_math.py).

Every function: forward against a NumPy reference computed in float64 from the same inputs,
the output dtype, ``check_backward`` and ``check_double_backward`` in float64 (default
tolerances) and float32 (numerical side in float64), edge shapes, and its bad inputs.
"""
import math

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]
FLOATS16 = [numpy.float64, numpy.float32, numpy.float16]


# ----- helpers ----------------------------------------------------------------------------------

def _fwd_tol(dtype):
    return {numpy.float64: dict(atol=1e-12, rtol=1e-10),
            numpy.float32: dict(atol=1e-6, rtol=1e-5),
            numpy.float16: dict(atol=1e-3, rtol=5e-3)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _uniform(shape, dtype, lo=-1.0, hi=1.0):
    return numpy.asarray(numpy.random.uniform(lo, hi, shape)).astype(dtype)


def _normal(shape, dtype):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _distinct(shape, dtype):
    """Values in [-1, 1) at least 0.1 apart, so that no max/min changes under a small step."""
    size = int(numpy.prod(shape))
    values = (numpy.random.permutation(size) - size / 2) * (2.0 / max(size, 1))
    values += numpy.random.uniform(-0.02, 0.02, size) / max(size, 1)
    return values.reshape(shape).astype(dtype)


def _f64(a):
    return numpy.asarray(a, dtype=numpy.float64)


def _check_grads(func, inputs, dtype, xp, double=True, **overrides):
    """check_backward (and check_double_backward) of ``func`` at host arrays ``inputs``."""
    inputs = tuple(xp.asarray(a) for a in inputs)
    with dbr.no_backprop_mode():
        y = func(*[dbr.Variable(a) for a in inputs])
    gy = xp.asarray(_normal(y.shape, dtype))
    opts = _grad_opts(dtype)
    opts.update(overrides)
    gradient_check.check_backward(func, inputs, gy, **opts)
    if double:
        ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs)
        gradient_check.check_double_backward(func, inputs, gy, ggx, **opts)


def _var(a, xp):
    return dbr.Variable(xp.asarray(a))


def _grad_of(func, x, xp, gy=None):
    """The gradient ``func`` sends to host array ``x`` for the output gradient ``gy``."""
    v = _var(x, xp)
    y = func(v)
    y.grad = xp.ones(y.shape, y.dtype) if gy is None else xp.asarray(gy)
    y.backward()
    return dbr.backend.to_cpu(v.grad)


# ----- differentiable unary elementwise functions ------------------------------------------------

# name: (function, NumPy reference, derivative, input range)
_erf = numpy.vectorize(math.erf, otypes=[numpy.float64])
_erfc = numpy.vectorize(math.erfc, otypes=[numpy.float64])
UNARY = {
    'log2': (F.log2, numpy.log2, lambda x: 1 / (x * math.log(2)), (0.5, 3.0)),
    'log10': (F.log10, numpy.log10, lambda x: 1 / (x * math.log(10)), (0.5, 3.0)),
    'log1p': (F.log1p, numpy.log1p, lambda x: 1 / (1 + x), (-0.5, 2.0)),
    'expm1': (F.expm1, numpy.expm1, numpy.exp, (-2.0, 2.0)),
    'sqrt': (F.sqrt, numpy.sqrt, lambda x: 0.5 / numpy.sqrt(x), (0.5, 3.0)),
    'rsqrt': (F.rsqrt, lambda x: 1 / numpy.sqrt(x), lambda x: -0.5 * x ** -1.5, (0.5, 3.0)),
    'square': (F.square, numpy.square, lambda x: 2 * x, (-2.0, 2.0)),
    'sin': (F.sin, numpy.sin, numpy.cos, (-3.0, 3.0)),
    'cos': (F.cos, numpy.cos, lambda x: -numpy.sin(x), (-3.0, 3.0)),
    'tan': (F.tan, numpy.tan, lambda x: 1 / numpy.cos(x) ** 2, (-1.2, 1.2)),
    'arcsin': (F.arcsin, numpy.arcsin, lambda x: 1 / numpy.sqrt(1 - x * x), (-0.9, 0.9)),
    'arccos': (F.arccos, numpy.arccos, lambda x: -1 / numpy.sqrt(1 - x * x), (-0.9, 0.9)),
    'arctan': (F.arctan, numpy.arctan, lambda x: 1 / (1 + x * x), (-3.0, 3.0)),
    'sinh': (F.sinh, numpy.sinh, numpy.cosh, (-2.0, 2.0)),
    'cosh': (F.cosh, numpy.cosh, numpy.sinh, (-2.0, 2.0)),
    'erf': (F.erf, _erf, lambda x: 2 / math.sqrt(math.pi) * numpy.exp(-x * x), (-2.0, 2.0)),
    'erfc': (F.erfc, _erfc, lambda x: -2 / math.sqrt(math.pi) * numpy.exp(-x * x), (-2.0, 2.0)),
}
UNARY_SHAPES = [(3, 4), (), (1,), (0, 3), (2, 1, 3)]


def _unary_input(op, shape, dtype):
    lo, hi = UNARY[op][3]
    return _uniform(shape, dtype, lo, hi)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', UNARY_SHAPES)
@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_forward(xp, op, shape, dtype):
    func, ref = UNARY[op][:2]
    x = _unary_input(op, shape, dtype)
    y = func(_var(x, xp))
    assert isinstance(y, dbr.Variable)
    assert y.dtype == dtype and y.shape == shape
    testing.assert_allclose(y.array, ref(_f64(x)), **_fwd_tol(dtype))


@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_forward_non_contiguous(xp, op):
    func, ref = UNARY[op][:2]
    x = _unary_input(op, (4, 3), numpy.float32).T
    y = func(dbr.Variable(xp.asarray(x)))
    testing.assert_allclose(y.array, ref(_f64(x)), **_fwd_tol(numpy.float32))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(3, 4), (), (0, 2)])
@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_grads(xp, op, shape, dtype):
    _check_grads(UNARY[op][0], (_unary_input(op, shape, dtype),), dtype, xp)


@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_gradient_matches_derivative(xp, op):
    func, _, derivative, _ = UNARY[op]
    x = _unary_input(op, (2, 3), numpy.float64)
    gy = _normal((2, 3), numpy.float64)
    testing.assert_allclose(_grad_of(func, x, xp, gy), gy * derivative(x), atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_gradient_keeps_dtype(xp, op):
    x = _var(_unary_input(op, (3,), numpy.float16), xp)
    F.sum(UNARY[op][0](x)).backward()
    assert x.grad.dtype == numpy.float16


@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_rejects_integers(op):
    with pytest.raises(InvalidType, match=fr"^{op}: expected x.dtype.kind == 'f', got "
                                          r'x.dtype=int64$'):
        UNARY[op][0](dbr.Variable(numpy.arange(1, 3)))


def test_unary_of_plain_array_gives_variable_without_grad(xp):
    y = F.sqrt(xp.asarray([4.0, 9.0], dtype=numpy.float32))
    assert isinstance(y, dbr.Variable) and not y.requires_grad
    testing.assert_allclose(y.array, [2.0, 3.0], atol=0, rtol=0)


def test_log1p_expm1_are_accurate_near_zero(xp):
    x = numpy.array([1e-10, -3e-12, 1e-20])
    testing.assert_allclose(F.log1p(_var(x, xp)).array, x - x * x / 2, atol=0, rtol=1e-14)
    testing.assert_allclose(F.expm1(_var(x, xp)).array, x + x * x / 2, atol=0, rtol=1e-14)
    x32 = x.astype(numpy.float32)
    testing.assert_allclose(F.log1p(_var(x32, xp)).array, x32, atol=0, rtol=1e-6)


def test_erfc_keeps_relative_accuracy_in_the_tail(xp):
    x = numpy.array([5.0, 10.0, 20.0])
    testing.assert_allclose(F.erfc(_var(x, xp)).array, _erfc(x), atol=0, rtol=1e-13)
    assert (dbr.backend.to_cpu(F.erfc(_var(x, xp)).array) > 0).all()


def test_erf_family_matches_the_standard_library_over_every_range():
    # The four rational-approximation ranges meet at |z| = 0.84375, 1.25 and 1 / 0.35.
    x = numpy.concatenate([numpy.linspace(-30, 30, 4001), [0.84375, 1.25, 1 / 0.35, -0.84375]])
    testing.assert_allclose(F.erf(dbr.Variable(x)).array, _erf(x), atol=2e-16, rtol=0)
    testing.assert_allclose(F.erfc(dbr.Variable(x)).array, _erfc(x), atol=0, rtol=2e-13)
    for dtype in FLOATS16:
        y = F.erf(dbr.Variable(x.astype(dtype)))
        assert y.dtype == dtype
        testing.assert_allclose(y.array, _erf(_f64(x.astype(dtype))), **_fwd_tol(dtype))
    y = F.erf(dbr.Variable(numpy.array(0.5)))
    assert y.shape == ()
    testing.assert_allclose(y.array, _erf(0.5), atol=1e-15, rtol=0)


def test_sin_cos_double_backward_through_each_other(xp):
    x = _var(numpy.array([0.3, -1.2]), xp)
    gx, = dbr.grad([F.sum(F.sin(x))], [x], enable_double_backprop=True)
    ggx, = dbr.grad([F.sum(gx)], [x], enable_double_backprop=True)
    gggx, = dbr.grad([F.sum(ggx)], [x])
    testing.assert_allclose(ggx.array, -numpy.sin([0.3, -1.2]), atol=1e-15, rtol=0)
    testing.assert_allclose(gggx.array, -numpy.cos([0.3, -1.2]), atol=1e-15, rtol=0)


# ----- non-differentiable elementwise: floor, ceil, fix, sign ------------------------------------

CONSTANT = {'floor': (F.floor, numpy.floor), 'ceil': (F.ceil, numpy.ceil),
            'fix': (F.fix, numpy.trunc), 'sign': (F.sign, numpy.sign)}


@pytest.mark.parametrize('dtype', FLOATS16 + [numpy.int32, numpy.int64])
@pytest.mark.parametrize('shape', [(3, 4), (), (0,)])
@pytest.mark.parametrize('op', sorted(CONSTANT))
def test_constant_elementwise(xp, op, shape, dtype):
    func, ref = CONSTANT[op]
    x = (_uniform(shape, numpy.float64, -5.0, 5.0)).astype(dtype)
    if shape == (3, 4):
        x[0, :3] = [0, 2, -3]  # exact integers and zero
    v = _var(x, xp)
    for arg in (v, xp.asarray(x)):
        y = func(arg)
        assert isinstance(y, dbr.Variable)
        assert y.requires_grad is False and y.creator is None
        assert y.dtype == dtype and y.shape == shape
        testing.assert_allclose(y.array, ref(x).astype(dtype), atol=0, rtol=0)


@pytest.mark.parametrize('op', sorted(CONSTANT))
def test_constant_elementwise_is_cut_from_the_graph(xp, op):
    func, _ = CONSTANT[op]
    x = _var(_uniform((4,), numpy.float64, -3.0, 3.0), xp)
    F.sum(x * 3.0 + func(x)).backward()
    testing.assert_allclose(x.grad, numpy.full(4, 3.0), atol=0, rtol=0)


@pytest.mark.parametrize('op', sorted(CONSTANT))
def test_constant_elementwise_errors(op):
    func, _ = CONSTANT[op]
    with pytest.raises(InvalidType, match=fr"^{op}: expected x.dtype.kind in 'iuf', got "
                                          r'x.dtype=bool$'):
        func(numpy.array([True, False]))
    with pytest.raises(TypeError, match=fr'^{op}: expected a Variable or a NumPy/CuPy array, '
                                        r'got list$'):
        func([1.0, 2.0])


def test_fix_rounds_toward_zero():
    y = F.fix(numpy.array([-2.5, -0.5, 0.5, 2.5], numpy.float32))
    testing.assert_allclose(y.array, [-2.0, 0.0, 0.0, 2.0], atol=0, rtol=0)


# ----- clip --------------------------------------------------------------------------------------

CLIP_BOUNDS = [(-0.5, 0.5), (None, 0.25), (-0.25, None), (-2.0, 2.0), (0, 1)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('bounds', CLIP_BOUNDS)
def test_clip_forward(xp, bounds, dtype):
    x = _uniform((3, 4), dtype)
    lo, hi = bounds
    y = F.clip(_var(x, xp), lo, hi)
    expected = numpy.clip(_f64(x), -numpy.inf if lo is None else lo,
                          numpy.inf if hi is None else hi)
    assert y.dtype == dtype and y.shape == (3, 4)
    testing.assert_allclose(y.array, expected.astype(dtype), atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('bounds', CLIP_BOUNDS)
def test_clip_grads(xp, bounds, dtype):
    x = _distinct((3, 4), dtype)
    # keep away from the kinks at the bounds
    for b in bounds:
        if b is not None:
            x[numpy.abs(x - b) < 0.05] = b + 0.1
    _check_grads(lambda v: F.clip(v, *bounds), (x,), dtype, xp)


def test_clip_gradient_is_one_inside_and_at_the_bounds(xp):
    x = numpy.array([-2.0, -1.0, 0.0, 1.0, 2.0], numpy.float32)
    g = _grad_of(lambda v: F.clip(v, -1.0, 1.0), x, xp)
    testing.assert_allclose(g, [0.0, 1.0, 1.0, 1.0, 0.0], atol=0, rtol=0)
    assert g.dtype == numpy.float32
    g = _grad_of(lambda v: F.clip(v, None, 1.0), x, xp)
    testing.assert_allclose(g, [1.0, 1.0, 1.0, 1.0, 0.0], atol=0, rtol=0)
    g = _grad_of(lambda v: F.clip(v, -1.0, None), x, xp)
    testing.assert_allclose(g, [0.0, 1.0, 1.0, 1.0, 1.0], atol=0, rtol=0)


def test_clip_numpy_scalar_bounds_keep_dtype(xp):
    x = _var(_uniform((5,), numpy.float16, -2.0, 2.0), xp)
    y = F.clip(x, numpy.float64(-1.0), numpy.float64(1.0))
    assert y.dtype == numpy.float16


def test_clip_errors():
    x = dbr.Variable(numpy.zeros(3, numpy.float32))
    with pytest.raises(ValueError, match='^clip: x_min and x_max are both None'):
        F.clip(x, None, None)
    with pytest.raises(ValueError, match='^clip: x_min must be less than x_max, got x_min=1.0, '
                                         'x_max=1.0'):
        F.clip(x, 1.0, 1.0)
    with pytest.raises(TypeError, match='^clip: x_max must be a scalar or None, got ndarray'):
        F.clip(x, 0.0, numpy.ones(3))
    with pytest.raises(InvalidType, match=r"^clip: expected x.dtype.kind == 'f', got "
                                          r'x.dtype=int64'):
        F.clip(numpy.arange(3), 0.0, 1.0)


# ----- maximum, minimum, arctan2 -----------------------------------------------------------------

BINARY = {
    'maximum': (F.maximum, numpy.maximum),
    'minimum': (F.minimum, numpy.minimum),
    'arctan2': (F.arctan2, numpy.arctan2),
}
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3)),
                 ((2, 3), ()), ((), ()), ((0, 3), (1, 3)), ((2, 1, 3), (4, 1))]


def _binary_inputs(shapes, dtype):
    # well apart, so that neither maximum nor minimum switches operand under a small step
    a = _uniform(shapes[0], numpy.float64, 0.1, 1.0)
    b = _uniform(shapes[1], numpy.float64, 0.1, 1.0)
    b = numpy.where(numpy.random.uniform(size=shapes[1]) < 0.5, b + 1.2, -b)
    return a.astype(dtype), numpy.asarray(b).astype(dtype)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shapes', BINARY_SHAPES)
@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_forward(xp, op, shapes, dtype):
    func, ref = BINARY[op]
    a, b = _binary_inputs(shapes, dtype)
    y = func(_var(a, xp), _var(b, xp))
    expected = ref(_f64(a), _f64(b))
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shapes', BINARY_SHAPES)
@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_grads(xp, op, shapes, dtype):
    _check_grads(BINARY[op][0], _binary_inputs(shapes, dtype), dtype, xp)


def test_arctan2_gradient_matches_reference(xp):
    a, b = _uniform((2, 3), numpy.float64), _uniform((3,), numpy.float64, 0.5, 1.0)
    va, vb = _var(a, xp), _var(b, xp)
    F.sum(F.arctan2(va, vb)).backward()
    r2 = a * a + b * b
    testing.assert_allclose(va.grad, b / r2, atol=1e-12, rtol=1e-10)
    testing.assert_allclose(vb.grad, (-a / r2).sum(axis=0), atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('op', ['maximum', 'minimum'])
def test_maximum_minimum_ties_send_gradient_to_x1(xp, op):
    func, _ = BINARY[op]
    a = _var(numpy.array([1.0, 2.0, 3.0], numpy.float32), xp)
    b = _var(numpy.array([2.0, 2.0, 2.0], numpy.float32), xp)
    F.sum(func(a, b)).backward()
    first = [0.0, 1.0, 1.0] if op == 'maximum' else [1.0, 1.0, 0.0]
    testing.assert_allclose(a.grad, first, atol=0, rtol=0)
    testing.assert_allclose(b.grad, 1 - numpy.array(first), atol=0, rtol=0)


@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_with_constant_operand(xp, op):
    func, ref = BINARY[op]
    x = _uniform((2, 3), numpy.float32)
    for c, host in ((0.25, 0.25), (numpy.float64(0.25), 0.25), (xp.asarray([0.5, -0.5, 0.0]),
                                                                 numpy.array([0.5, -0.5, 0.0]))):
        for y, expected in ((func(_var(x, xp), c), ref(_f64(x), host)),
                            (func(c, _var(x, xp)), ref(host, _f64(x)))):
            assert y.dtype == numpy.float32
            testing.assert_allclose(y.array, expected, **_fwd_tol(numpy.float32))


@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_errors(op):
    func, _ = BINARY[op]
    f32 = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    with pytest.raises(InvalidType, match=fr'^{op}: expected x1.dtype == x2.dtype, got '
                                          r'x1.dtype=float32, x2.dtype=float64'):
        func(f32, dbr.Variable(numpy.ones((2, 3))))
    with pytest.raises(InvalidType, match=fr'^{op}: expected shapes that broadcast together, '
                                          r'got \(2, 3\), \(4,\)'):
        func(f32, dbr.Variable(numpy.ones(4, numpy.float32)))
    with pytest.raises(InvalidType, match=fr"^{op}: expected x1.dtype.kind == 'f', got "
                                          r'x1.dtype=int64'):
        func(dbr.Variable(numpy.arange(3)), dbr.Variable(numpy.arange(3)))
    with pytest.raises(TypeError, match=fr'^{op}: expected at least one Variable operand'):
        func(numpy.ones(3), numpy.ones(3))


# ----- reductions: shared cases ------------------------------------------------------------------

REDUCE_CASES = [
    ((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, 0)), ((2, 3, 4), ()), ((), None), ((1, 3), 0), ((5,), 0), ((2, 0), 0),
]


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# ----- mean --------------------------------------------------------------------------------------

@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('shape,axis', REDUCE_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_mean_forward(xp, dtype, shape, axis, keepdims):
    x = _uniform(shape, dtype)
    y = F.mean(_var(x, xp), axis=axis, keepdims=keepdims)
    expected = _f64(x).mean(axis=axis, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('shape,axis', REDUCE_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_mean_grads(xp, dtype, shape, axis, keepdims):
    _check_grads(lambda v: F.mean(v, axis=axis, keepdims=keepdims), (_uniform(shape, dtype),),
                 dtype, xp)


def test_mean_float16_does_not_overflow(xp):
    x = xp.full((4, 1000), 60000.0, numpy.float16)
    testing.assert_allclose(F.mean(x, axis=1).array, numpy.full(4, 60000.0), atol=0, rtol=1e-3)


def test_mean_non_contiguous(xp):
    x = _uniform((4, 3), numpy.float64).T
    testing.assert_allclose(F.mean(xp.asarray(x), axis=1).array, x.mean(axis=1),
                            atol=1e-15, rtol=1e-12)


@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('axis', [None, 0, 1, -1, (1,)])
@pytest.mark.parametrize('dtype', FLOATS)
def test_mean_weighted(xp, dtype, axis, keepdims):
    x = _uniform((3, 4), dtype)
    axes = (axis,) if isinstance(axis, int) else axis
    w_shape = x.shape if axis is None else (x.shape[axes[0]],)
    w = _uniform(w_shape, dtype, 0.5, 2.0)
    y = F.mean(_var(x, xp), axis=axis, weights=_var(w, xp), keepdims=keepdims)
    np_axis = None if axis is None else axes[0]
    expected = numpy.average(_f64(x), axis=np_axis, weights=_f64(w))
    if keepdims:
        expected = numpy.asarray(expected).reshape(
            [1 if axis is None or i == np_axis % 2 else s for i, s in enumerate(x.shape)])
    assert y.dtype == dtype and y.shape == numpy.shape(expected)
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    # both x and the weights are differentiable
    _check_grads(lambda u, v: F.mean(u, axis=axis, weights=v, keepdims=keepdims), (x, w),
                 dtype, xp)


def test_mean_weights_as_plain_array_take_x_dtype(xp):
    x = _uniform((2, 3), numpy.float32)
    w = numpy.array([1.0, 2.0, 5.0])
    y = F.average(_var(x, xp), axis=1, weights=xp.asarray(w))
    assert y.dtype == numpy.float32
    testing.assert_allclose(y.array, numpy.average(_f64(x), axis=1, weights=w),
                            **_fwd_tol(numpy.float32))
    assert F.average is F.mean


def test_mean_errors():
    x = dbr.Variable(numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(ValueError, match=r'^mean: weights need axis None or a single axis, got '
                                         r'axis=\(0, 1\)'):
        F.mean(x, axis=(0, 1), weights=numpy.ones((2, 3)))
    with pytest.raises(InvalidType, match=r'^mean: expected weights.shape == \(x.shape\[axis\],\), '
                                          r'got weights.shape=\(2,\), x.shape=\(2, 3\), axis=1'):
        F.mean(x, axis=1, weights=numpy.ones(2))
    with pytest.raises(InvalidType, match=r'^mean: expected weights.shape == x.shape, got '
                                          r'weights.shape=\(3,\), x.shape=\(2, 3\), axis=None'):
        F.mean(x, weights=numpy.ones(3))
    with pytest.raises(ValueError, match=r'^mean: cannot reduce over an empty axis '
                                         r'\(x.shape=\(2, 0\), axis=1\)'):
        F.mean(numpy.zeros((2, 0), numpy.float32), axis=1)
    with pytest.raises(InvalidType, match=r'^mean: expected axis in \[-2, 2\), got axis=2, '
                                          r'x.shape=\(2, 3\)'):
        F.mean(x, axis=2)
    with pytest.raises(TypeError, match=r'^mean: axis must be None, an int or a tuple of ints, '
                                        r'got 1.0'):
        F.mean(x, axis=1.0)
    for weights in (None, numpy.ones(3)):
        with pytest.raises(InvalidType, match=r"^mean: expected x.dtype.kind == 'f', got "
                                              r'x.dtype=int64'):
            F.mean(numpy.arange(3), weights=weights)


# ----- max, min ----------------------------------------------------------------------------------

EXTREMA = {'max': (F.max, numpy.max), 'min': (F.min, numpy.min)}
EXTREMA_CASES = [c for c in REDUCE_CASES if c[0] != (2, 0)] + [((0, 3), 1)]


@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('shape,axis', EXTREMA_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('op', sorted(EXTREMA))
def test_extremum_forward(xp, op, dtype, shape, axis, keepdims):
    func, ref = EXTREMA[op]
    x = _uniform(shape, dtype)
    y = func(_var(x, xp), axis=axis, keepdims=keepdims)
    expected = ref(x, axis=axis, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, atol=0, rtol=0)


@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('shape,axis', EXTREMA_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('op', sorted(EXTREMA))
def test_extremum_grads(xp, op, dtype, shape, axis, keepdims):
    func, _ = EXTREMA[op]
    _check_grads(lambda v: func(v, axis=axis, keepdims=keepdims), (_distinct(shape, dtype),),
                 dtype, xp)


@pytest.mark.parametrize('op', sorted(EXTREMA))
def test_extremum_gradient_goes_to_every_tied_element(xp, op):
    func, _ = EXTREMA[op]
    best = 3.0 if op == 'max' else -3.0
    x = numpy.array([[best, 1.0, best], [0.0, best, 2.0]], numpy.float32)
    g = _grad_of(lambda v: func(v, axis=1), x, xp, numpy.array([2.0, 5.0], numpy.float32))
    testing.assert_allclose(g, [[2.0, 0.0, 2.0], [0.0, 5.0, 0.0]], atol=0, rtol=0)
    g = _grad_of(func, x, xp)
    testing.assert_allclose(g, [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], atol=0, rtol=0)


@pytest.mark.parametrize('op', sorted(EXTREMA))
def test_extremum_non_contiguous(xp, op):
    func, ref = EXTREMA[op]
    x = _distinct((4, 3), numpy.float64).T
    testing.assert_allclose(func(xp.asarray(x), axis=1).array, ref(x, axis=1), atol=0, rtol=0)
    g = _grad_of(lambda v: func(v, axis=0), numpy.ascontiguousarray(x), xp)
    assert g.sum() == 4.0


@pytest.mark.parametrize('op', sorted(EXTREMA))
def test_extremum_errors(op):
    func, _ = EXTREMA[op]
    with pytest.raises(ValueError, match=fr'^{op}: cannot reduce over an empty axis '
                                         r'\(x.shape=\(2, 0\), axis=None\)'):
        func(numpy.zeros((2, 0), numpy.float32))
    with pytest.raises(ValueError, match=fr'^{op}: cannot reduce over an empty axis '
                                         r'\(x.shape=\(0, 3\), axis=\(0,\)\)'):
        func(numpy.zeros((0, 3), numpy.float32), axis=(0,))
    with pytest.raises(InvalidType, match=fr"^{op}: expected x.dtype.kind == 'f'"):
        func(numpy.arange(3))
    with pytest.raises(InvalidType, match=fr'^{op}: expected axis in \[-1, 1\), got axis=1'):
        func(numpy.zeros(3), axis=1)
    with pytest.raises(ValueError, match=fr'^{op}: duplicate axes in \(0, -2\)'):
        func(numpy.zeros((2, 3)), axis=(0, -2))


# ----- argmax, argmin ----------------------------------------------------------------------------

ARG = {'argmax': (F.argmax, numpy.argmax), 'argmin': (F.argmin, numpy.argmin)}


@pytest.mark.parametrize('dtype', FLOATS16 + [numpy.int64])
@pytest.mark.parametrize('shape,axis', [((3, 4), None), ((3, 4), 0), ((3, 4), 1), ((3, 4), -1),
                                        ((2, 3, 4), 1), ((), None), ((5,), 0), ((0, 3), 1)])
@pytest.mark.parametrize('op', sorted(ARG))
def test_arg_extremum(xp, op, shape, axis, dtype):
    func, ref = ARG[op]
    x = (_distinct(shape, numpy.float64) * 10).astype(dtype)
    for arg in (_var(x, xp), xp.asarray(x)):
        y = func(arg, axis=axis)
        assert isinstance(y, dbr.Variable) and y.requires_grad is False and y.creator is None
        assert y.dtype == numpy.int32
        expected = ref(x, axis=axis)
        assert y.shape == numpy.shape(expected)
        testing.assert_allclose(y.array, expected, atol=0, rtol=0)


@pytest.mark.parametrize('op', sorted(ARG))
def test_arg_extremum_first_index_wins_ties(op):
    x = numpy.array([1.0, 1.0, 1.0], numpy.float32)
    assert int(ARG[op][0](x).array) == 0


@pytest.mark.parametrize('op', sorted(ARG))
def test_arg_extremum_errors(op):
    func, _ = ARG[op]
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(TypeError, match=fr'^{op}: axis must be None or an int, got \(0, 1\)'):
        func(x, axis=(0, 1))
    with pytest.raises(InvalidType, match=fr'^{op}: expected axis in \[-2, 2\), got axis=-3'):
        func(x, axis=-3)
    with pytest.raises(ValueError, match=fr'^{op}: cannot reduce over an empty axis '
                                         r'\(x.shape=\(3, 0\), axis=1\)'):
        func(numpy.zeros((3, 0)), axis=1)
    with pytest.raises(TypeError, match=fr'^{op}: expected a Variable or a NumPy/CuPy array, '
                                        r'got list'):
        func([1.0, 2.0])


# ----- prod --------------------------------------------------------------------------------------

PROD_CASES = REDUCE_CASES + [((2, 0), 1), ((2, 3, 4), (1, 2)), ((3, 2, 2), (0, 2))]


@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('shape,axis', PROD_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_prod_forward(xp, dtype, shape, axis, keepdims):
    x = _uniform(shape, dtype, 0.5, 1.5)
    y = F.prod(_var(x, xp), axis=axis, keepdims=keepdims)
    expected = _f64(x).prod(axis=axis, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('shape,axis', PROD_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_prod_grads(xp, dtype, shape, axis, keepdims):
    _check_grads(lambda v: F.prod(v, axis=axis, keepdims=keepdims), (_uniform(shape, dtype),),
                 dtype, xp)


def _prod_of_others(x, axis):
    """Reference gradient of prod along one axis: the product of the other elements."""
    x = numpy.moveaxis(x, axis, -1)
    n = x.shape[-1]
    out = numpy.stack([numpy.delete(x, i, axis=-1).prod(axis=-1) for i in range(n)], axis=-1)
    return numpy.moveaxis(out, -1, axis)


@pytest.mark.parametrize('axis', [0, 1, 2])
def test_prod_gradient_with_zeros(xp, axis):
    x = _uniform((3, 4, 5), numpy.float64, 0.5, 1.5)
    x[0, 0, 0] = 0.0                    # one zero in its groups
    x[1, 2, 3] = x[1, 2, 1] = 0.0       # two zeros in one group along axis 2
    x[2, 1, 4] = x[2, 3, 4] = 0.0       # ... along axis 1
    x[0, 3, 2] = x[2, 3, 2] = 0.0       # ... along axis 0
    gy = _normal(numpy.delete(x.shape, axis), numpy.float64)
    g = _grad_of(lambda v: F.prod(v, axis=axis), x, xp, gy)
    expected = numpy.expand_dims(gy, axis) * _prod_of_others(x, axis)
    assert numpy.isfinite(g).all()
    testing.assert_allclose(g, expected, atol=1e-15, rtol=1e-12)
    # prod is a polynomial: its derivatives of every order are smooth at zeros
    _check_grads(lambda v: F.prod(v, axis=axis), (x,), numpy.float64, xp)


def test_prod_third_order_at_zeros(xp):
    x = numpy.array([0.0, 2.0, 0.0, 3.0])
    v = _var(x, xp)
    gx, = dbr.grad([F.prod(v)], [v], enable_double_backprop=True)
    ggx, = dbr.grad([gx[1]], [v], enable_double_backprop=True)   # d/dx of prod(x without x1)
    gggx, = dbr.grad([ggx[0]], [v])
    testing.assert_allclose(gx.array, [0, 0, 0, 0], atol=0, rtol=0)
    testing.assert_allclose(ggx.array, [0, 0, 0, 0], atol=0, rtol=0)
    testing.assert_allclose(gggx.array, [0, 0, 3.0, 0], atol=0, rtol=0)


def test_prod_errors():
    with pytest.raises(InvalidType, match=r"^prod: expected x.dtype.kind == 'f'"):
        F.prod(numpy.arange(3))
    with pytest.raises(InvalidType, match=r'^prod: expected axis in \[-2, 2\), got axis=\(0, 5\)'):
        F.prod(numpy.ones((2, 3)), axis=(0, 5))


# ----- cumsum ------------------------------------------------------------------------------------

CUMSUM_CASES = [((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((), None),
                ((5,), 0), ((1,), None), ((2, 0), 1), ((0, 3), None)]


@pytest.mark.parametrize('shape,axis', CUMSUM_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_cumsum_forward(xp, dtype, shape, axis):
    x = _uniform(shape, dtype)
    y = F.cumsum(_var(x, xp), axis=axis)
    expected = numpy.cumsum(_f64(x), axis=axis)
    assert y.dtype == dtype and y.shape == expected.shape
    tol = dict(atol=1e-2, rtol=1e-2) if dtype == numpy.float16 else _fwd_tol(dtype)
    testing.assert_allclose(y.array, expected, **tol)


@pytest.mark.parametrize('shape,axis', CUMSUM_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_cumsum_grads(xp, dtype, shape, axis):
    _check_grads(lambda v: F.cumsum(v, axis=axis), (_uniform(shape, dtype),), dtype, xp)


def test_cumsum_gradient_is_reverse_cumsum(xp):
    gy = _normal((3, 4), numpy.float64)
    g = _grad_of(lambda v: F.cumsum(v, axis=1), _uniform((3, 4), numpy.float64), xp, gy)
    testing.assert_allclose(g, numpy.cumsum(gy[:, ::-1], axis=1)[:, ::-1], atol=1e-15, rtol=1e-12)


def test_cumsum_non_contiguous(xp):
    x = _uniform((4, 3), numpy.float64).T
    testing.assert_allclose(F.cumsum(xp.asarray(x), axis=1).array, numpy.cumsum(x, axis=1),
                            atol=1e-15, rtol=1e-12)


def test_cumsum_errors():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(TypeError, match=r'^cumsum: axis must be None or an int, got \(0, 1\)'):
        F.cumsum(x, axis=(0, 1))
    with pytest.raises(InvalidType, match=r'^cumsum: expected axis in \[-2, 2\), got axis=2'):
        F.cumsum(x, axis=2)
    with pytest.raises(InvalidType, match=r"^cumsum: expected x.dtype.kind == 'f'"):
        F.cumsum(numpy.arange(3))
    with pytest.raises(InvalidType, match=r'^cumsum: expected x.ndim >= 1, got x.ndim=0'):
        F.cumsum(numpy.zeros(()), axis=0)


# ----- batch_matmul ------------------------------------------------------------------------------

def _batch_ref(a, b, transa, transb):
    a = a[:, :, None] if a.ndim == 2 else a
    b = b[:, :, None] if b.ndim == 2 else b
    if transa:
        a = a.swapaxes(1, 2)
    if transb:
        b = b.swapaxes(1, 2)
    return numpy.matmul(a, b)


BATCH_CASES = [((5, 2, 3), (5, 3, 4), False, False), ((5, 3, 2), (5, 3, 4), True, False),
               ((5, 2, 3), (5, 4, 3), False, True), ((5, 3, 2), (5, 4, 3), True, True),
               ((5, 3), (5, 3), True, False), ((5, 3), (5, 4), False, True),
               ((5, 2, 3), (5, 3), False, False), ((1, 2, 3), (4, 3, 2), False, False),
               ((0, 2, 3), (0, 3, 4), False, False)]


@pytest.mark.parametrize('a_shape,b_shape,transa,transb', BATCH_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_batch_matmul(xp, dtype, a_shape, b_shape, transa, transb):
    a, b = _uniform(a_shape, dtype), _uniform(b_shape, dtype)
    y = F.batch_matmul(_var(a, xp), _var(b, xp), transa=transa, transb=transb)
    expected = _batch_ref(_f64(a), _f64(b), transa, transb)
    assert y.dtype == dtype and y.shape == expected.shape and y.ndim == 3
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    _check_grads(lambda u, v: F.batch_matmul(u, v, transa, transb), (a, b), dtype, xp)


def test_batch_matmul_errors():
    with pytest.raises(InvalidType, match=r'^batch_matmul: expected a.ndim in \(2, 3\), got '
                                          r'a.ndim=4'):
        F.batch_matmul(numpy.ones((2, 2, 2, 2)), numpy.ones((2, 2, 2)))
    with pytest.raises(InvalidType, match=r'^batch_matmul: expected b.ndim in \(2, 3\), got '
                                          r'b.ndim=1'):
        F.batch_matmul(numpy.ones((2, 2, 2)), numpy.ones(2))
    with pytest.raises(InvalidType, match=r'^matmul: .*a.shape=\(2, 2, 3\), b.shape=\(2, 2, 3\)'):
        F.batch_matmul(numpy.ones((2, 2, 3)), numpy.ones((2, 2, 3)))


# ----- linear_interpolate ------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', [(3, 4), (), (0, 2)])
def test_linear_interpolate(xp, dtype, shape):
    p, x, y = _uniform(shape, dtype, 0.0, 1.0), _uniform(shape, dtype), _uniform(shape, dtype)
    out = F.linear_interpolate(_var(p, xp), _var(x, xp), _var(y, xp))
    assert out.dtype == dtype and out.shape == shape
    testing.assert_allclose(out.array, _f64(p) * _f64(x) + (1 - _f64(p)) * _f64(y),
                            **_fwd_tol(dtype))
    if dtype != numpy.float16:
        _check_grads(F.linear_interpolate, (p, x, y), dtype, xp)


def test_linear_interpolate_gradient_matches_reference(xp):
    p, x, y = (_uniform((2, 3), numpy.float64) for _ in range(3))
    gy = _normal((2, 3), numpy.float64)
    vs = [_var(a, xp) for a in (p, x, y)]
    out = F.linear_interpolate(*vs)
    out.grad = xp.asarray(gy)
    out.backward()
    for v, expected in zip(vs, (gy * (x - y), gy * p, gy * (1 - p))):
        testing.assert_allclose(v.grad, expected, atol=1e-15, rtol=1e-12)


def test_linear_interpolate_errors():
    a = numpy.ones((2, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'^linear_interpolate: expected p.shape == x.shape, '
                                          r'got p.shape=\(2, 3\), x.shape=\(3,\)'):
        F.linear_interpolate(a, numpy.ones(3, numpy.float32), a)
    with pytest.raises(InvalidType, match=r'^linear_interpolate: expected p.dtype == y.dtype, '
                                          r'got p.dtype=float32, y.dtype=float64'):
        F.linear_interpolate(a, a, numpy.ones((2, 3)))


# ----- where -------------------------------------------------------------------------------------

WHERE_SHAPES = [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,)), ((3, 4), (), (3, 4)),
                ((), (2, 3), (2, 3)), ((2, 1, 3), (4, 1), (1,)), ((0, 3), (1, 3), (3,))]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shapes', WHERE_SHAPES)
def test_where_forward(xp, shapes, dtype):
    c = numpy.asarray(numpy.random.uniform(size=shapes[0]) < 0.5)
    x, y = _uniform(shapes[1], dtype), _uniform(shapes[2], dtype)
    out = F.where(xp.asarray(c), _var(x, xp), _var(y, xp))
    expected = numpy.where(c, x, y)
    assert out.dtype == dtype and out.shape == expected.shape
    testing.assert_allclose(out.array, expected, atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shapes', WHERE_SHAPES)
def test_where_grads(xp, shapes, dtype):
    c = xp.asarray(numpy.random.uniform(size=shapes[0]) < 0.5)
    x, y = _uniform(shapes[1], dtype), _uniform(shapes[2], dtype)
    _check_grads(lambda u, v: F.where(c, u, v), (x, y), dtype, xp)


def test_where_gradient_matches_reference(xp):
    c = numpy.array([[True, False, True], [False, False, True]])
    x, y = _uniform((2, 3), numpy.float32), _uniform((3,), numpy.float32)
    gy = _normal((2, 3), numpy.float32)
    vx, vy = _var(x, xp), _var(y, xp)
    out = F.where(dbr.Variable(xp.asarray(c)), vx, vy)   # a Variable condition works too
    out.grad = xp.asarray(gy)
    out.backward()
    testing.assert_allclose(vx.grad, numpy.where(c, gy, 0), atol=0, rtol=0)
    testing.assert_allclose(vy.grad, numpy.where(c, 0, gy).sum(axis=0), atol=1e-6, rtol=1e-6)
    assert vx.grad.dtype == vy.grad.dtype == numpy.float32


def test_where_scalars_and_arrays(xp):
    c = xp.asarray([True, False, True])
    x = _uniform((3,), numpy.float32)
    out = F.where(c, _var(x, xp), 0.5)
    assert out.dtype == numpy.float32
    testing.assert_allclose(out.array, numpy.where([True, False, True], x, 0.5), atol=0, rtol=0)
    out = F.where(c, -1, _var(x, xp))
    testing.assert_allclose(out.array, numpy.where([True, False, True], -1, x), atol=0, rtol=0)
    out = F.where(c, xp.asarray(x), numpy.float64(2.0))   # no Variable: the array's dtype
    assert isinstance(out, dbr.Variable) and not out.requires_grad
    assert out.dtype == numpy.float32
    _check_grads(lambda v: F.where(c, v, 0.5), (x,), numpy.float32, xp)


def test_where_non_contiguous(xp):
    c = numpy.random.uniform(size=(4, 3)) < 0.5
    x, y = _uniform((3, 4), numpy.float64).T, _uniform((3, 4), numpy.float64).T
    out = F.where(xp.asarray(c), _var(numpy.ascontiguousarray(x), xp), xp.asarray(y))
    testing.assert_allclose(out.array, numpy.where(c, x, y), atol=0, rtol=0)


def test_where_errors():
    x = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r'^where: expected condition.dtype == bool, got '
                                          r'condition.dtype=int64'):
        F.where(numpy.ones((2, 3), numpy.int64), x, x)
    with pytest.raises(InvalidType, match=r'^where: expected shapes that broadcast together, '
                                          r'got \(4,\), \(2, 3\), \(2, 3\)'):
        F.where(numpy.ones(4, bool), x, x)
    with pytest.raises(InvalidType, match=r'^where: expected x.dtype == y.dtype, got '
                                          r'x.dtype=float32, y.dtype=float64'):
        F.where(numpy.ones(3, bool), x, dbr.Variable(numpy.ones(3)))
    with pytest.raises(TypeError, match=r'^where: expected at least one Variable operand, got '
                                        r'float and int'):
        F.where(numpy.ones(3, bool), 1.0, 0)
    with pytest.raises(TypeError, match=r'^where: condition must be a boolean Variable or array, '
                                        r'got list'):
        F.where([True], x, x)


# ----- identity ----------------------------------------------------------------------------------

def test_identity(xp):
    a, b = _uniform((2, 3), numpy.float32), _uniform((), numpy.float32)
    va, vb = _var(a, xp), _var(b, xp)
    y = F.identity(va)
    assert isinstance(y, dbr.Variable) and y is not va and y.creator is not None
    testing.assert_allclose(y.array, a, atol=0, rtol=0)
    ya, yb = F.identity(va, vb)
    assert ya.shape == (2, 3) and yb.shape == ()
    F.sum(ya * 2.0).backward()   # the second output gets no gradient
    testing.assert_allclose(va.grad, numpy.full((2, 3), 2.0), atol=0, rtol=0)
    assert vb.grad is None
    _check_grads(lambda u, v: F.identity(u, v)[0] * F.identity(u, v)[1], (a, b),
                 numpy.float32, xp)


# ----- logsumexp ---------------------------------------------------------------------------------

def _logsumexp_ref(x, axis):
    x = _f64(x)
    m = x.max(axis=axis, keepdims=True)
    m = numpy.where(numpy.isfinite(m), m, 0.0)
    with numpy.errstate(divide='ignore'):
        return numpy.squeeze(numpy.log(numpy.exp(x - m).sum(axis=axis, keepdims=True)) + m,
                             axis=axis)


LOGSUMEXP_CASES = [((3, 4), None), ((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((2, 3, 4), (0, 2)),
                   ((2, 3, 4), ()), ((), None), ((1,), 0), ((0, 3), 1)]


@pytest.mark.parametrize('shape,axis', LOGSUMEXP_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_logsumexp_forward(xp, dtype, shape, axis):
    x = _uniform(shape, dtype, -3.0, 3.0)
    y = F.logsumexp(_var(x, xp), axis=axis)
    expected = _logsumexp_ref(x, axis)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('shape,axis', LOGSUMEXP_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_logsumexp_grads(xp, dtype, shape, axis):
    _check_grads(lambda v: F.logsumexp(v, axis=axis), (_uniform(shape, dtype, -3.0, 3.0),),
                 dtype, xp)


def _large_logits(dtype):
    big = 1e4 if dtype != numpy.float16 else 3e4
    return big, numpy.array([[big, big], [-big, -big], [big, -big], [0.0, -big]], dtype)


@pytest.mark.parametrize('dtype', FLOATS16)
def test_logsumexp_large_logits(xp, dtype):
    big, x = _large_logits(dtype)
    y = F.logsumexp(_var(x, xp), axis=1)
    ln2 = math.log(2.0)
    testing.assert_allclose(y.array, [big + ln2, -big + ln2, big, 0.0], atol=0,
                            rtol=1e-6 if dtype != numpy.float16 else 1e-3)


@pytest.mark.parametrize('dtype', FLOATS)  # float16 rounds big + log 2 to big
def test_logsumexp_large_logits_gradient(xp, dtype):
    _, x = _large_logits(dtype)
    g = _grad_of(lambda v: F.logsumexp(v, axis=1), x, xp)
    # float32 rounds 1e4 + log 2 to within 1e-3, hence the tolerance
    testing.assert_allclose(g, [[0.5, 0.5], [0.5, 0.5], [1, 0], [1, 0]], atol=2e-3, rtol=0)


def test_logsumexp_all_minus_inf_rows(xp):
    x = numpy.array([[-numpy.inf, -numpy.inf, -numpy.inf], [0.0, -numpy.inf, 1.0]], numpy.float32)
    y = F.logsumexp(_var(x, xp), axis=1)
    testing.assert_allclose(y.array, [-numpy.inf, math.log(1 + math.e)], atol=0, rtol=1e-6)
    g = _grad_of(lambda v: F.logsumexp(v, axis=1), x, xp)
    p = numpy.array([1.0, math.e]) / (1 + math.e)
    testing.assert_allclose(g, [[0, 0, 0], [p[0], 0, p[1]]], atol=0, rtol=1e-6)
    whole = F.logsumexp(_var(numpy.full((2, 2), -numpy.inf), xp))
    assert float(whole.array) == -numpy.inf
    # double backprop through the -inf rows stays finite too
    v = _var(x, xp)
    gx, = dbr.grad([F.sum(F.logsumexp(v, axis=1))], [v], enable_double_backprop=True)
    ggx, = dbr.grad([F.sum(gx * gx)], [v])
    assert numpy.isfinite(dbr.backend.to_cpu(ggx.array)).all()


def test_logsumexp_errors():
    with pytest.raises(InvalidType, match=r"^logsumexp: expected x.dtype.kind == 'f'"):
        F.logsumexp(numpy.arange(3))
    with pytest.raises(InvalidType, match=r'^logsumexp: expected axis in \[-2, 2\), got axis=2'):
        F.logsumexp(numpy.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match=r'^logsumexp: cannot reduce over an empty axis '
                                         r'\(x.shape=\(3, 0\), axis=1\)'):
        F.logsumexp(numpy.zeros((3, 0)), axis=1)
