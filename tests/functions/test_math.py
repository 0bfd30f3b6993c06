"""Tests of dbr.functions.math and the arithmetic Variable operators.

Every op: forward against a NumPy reference (computed in float64 from the same inputs), the
output dtype, ``check_backward`` and ``check_double_backward`` in float64 (default
tolerances) and float32 (numerical side in float64), and its bad inputs.
"""
import operator

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
    """Tolerances of check_backward / check_double_backward for ``dtype`` inputs."""
    dtype = numpy.dtype(dtype).type
    if dtype is numpy.float64:
        return {}  # the defaults
    if dtype is numpy.float32:
        return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)
    return dict(dtype=numpy.float64, eps=1e-2, atol=1e-2, rtol=1e-2)


def _uniform(shape, dtype, lo=-1.0, hi=1.0):
    return numpy.asarray(numpy.random.uniform(lo, hi, shape)).astype(dtype)


def _away(shape, dtype, lo=0.5, hi=1.5):
    """Values with magnitude in [lo, hi] and a random sign (away from zero)."""
    sign = numpy.where(numpy.random.uniform(size=shape) < 0.5, -1.0, 1.0)
    return numpy.asarray(_uniform(shape, numpy.float64, lo, hi) * sign).astype(dtype)


def _normal(shape, dtype):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


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


def _forward(func, inputs, xp):
    return func(*[dbr.Variable(xp.asarray(a)) for a in inputs])


# ----- broadcasting binary ops: add, sub, mul, div, pow -----------------------------------------

def _domain(op, which, shape, dtype):
    if op == 'pow':
        return _uniform(shape, dtype, 0.5, 2.0) if which == 0 else _uniform(shape, dtype, -1.5, 1.5)
    if op == 'div' and which == 1:
        return _away(shape, dtype)
    return _uniform(shape, dtype)


BINARY = {
    'add': (F.add, numpy.add),
    'sub': (F.sub, numpy.subtract),
    'mul': (F.mul, numpy.multiply),
    'div': (F.div, numpy.divide),
    'pow': (F.pow, numpy.power),
}
BINARY_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((), ()),
    ((1,), (2, 1)),
    ((0, 3), (1, 3)),
    ((2, 1, 3), (4, 1)),
]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shapes', BINARY_SHAPES)
@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_forward(xp, op, shapes, dtype):
    func, ref = BINARY[op]
    a = _domain(op, 0, shapes[0], dtype)
    b = _domain(op, 1, shapes[1], dtype)
    y = _forward(func, (a, b), xp)
    expected = ref(_f64(a), _f64(b))
    assert isinstance(y, dbr.Variable)
    assert y.dtype == dtype
    assert y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shapes', BINARY_SHAPES)
@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_grads(xp, op, shapes, dtype):
    func, _ = BINARY[op]
    a = _domain(op, 0, shapes[0], dtype)
    b = _domain(op, 1, shapes[1], dtype)
    _check_grads(func, (a, b), dtype, xp)


@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_grads_float16(xp, op):
    func, _ = BINARY[op]
    a = _domain(op, 0, (3, 1), numpy.float16)
    b = _domain(op, 1, (1, 4), numpy.float16)
    _check_grads(func, (a, b), numpy.float16, xp, double=False)


@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_broadcast_gradient_shapes(xp, op):
    func, _ = BINARY[op]
    a = dbr.Variable(xp.asarray(_domain(op, 0, (3, 1), numpy.float32)))
    b = dbr.Variable(xp.asarray(_domain(op, 1, (4,), numpy.float32)))
    y = func(a, b)
    assert y.shape == (3, 4)
    F.sum(y).backward()
    assert a.grad.shape == (3, 1) and a.grad.dtype == numpy.float32
    assert b.grad.shape == (4,) and b.grad.dtype == numpy.float32


def test_sub_gradients_match_numpy_reduction(xp):
    a = dbr.Variable(xp.asarray(_uniform((3, 1), numpy.float64)))
    b = dbr.Variable(xp.asarray(_uniform((2, 1, 4), numpy.float64)))
    gy = _normal((2, 3, 4), numpy.float64)
    y = a - b
    y.grad = xp.asarray(gy)
    y.backward()
    testing.assert_allclose(a.grad, gy.sum(axis=(0, 2)).reshape(3, 1), atol=1e-12, rtol=1e-12)
    testing.assert_allclose(b.grad, -gy.sum(axis=1, keepdims=True), atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('side', ['left', 'right'])
@pytest.mark.parametrize('const_kind', ['float64_array', 'same_dtype_array', 'zero_dim_array',
                                        'python_float', 'python_int', 'numpy_float64',
                                        'numpy_float32'])
@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_constant_operand_keeps_dtype(xp, op, const_kind, side, dtype):
    func, ref = BINARY[op]
    x = _uniform((2, 3), dtype, 0.5, 1.5)
    if const_kind == 'float64_array':
        host_c = _uniform((3,), numpy.float64, 0.5, 1.5)
        c = xp.asarray(host_c)
    elif const_kind == 'same_dtype_array':
        host_c = _uniform((2, 1), dtype, 0.5, 1.5)
        c = xp.asarray(host_c)
    elif const_kind == 'zero_dim_array':
        host_c = numpy.asarray(1.25, dtype=numpy.float64)
        c = xp.asarray(host_c)
    else:
        c = {'python_float': 1.25, 'python_int': 2, 'numpy_float64': numpy.float64(1.25),
             'numpy_float32': numpy.float32(1.25)}[const_kind]
        host_c = c
    # The constant is cast to the Variable's dtype, so the reference uses the cast value.
    cast_c = _f64(numpy.asarray(host_c).astype(dtype))
    v = dbr.Variable(xp.asarray(x))
    if side == 'left':
        y = func(v, c)
        expected = ref(_f64(x), cast_c)
    else:
        y = func(c, v)
        expected = ref(cast_c, _f64(x))
    assert y.dtype == dtype
    assert y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    if dtype != numpy.float16:
        if side == 'left':
            _check_grads(lambda v: func(v, c), (x,), dtype, xp)
        else:
            _check_grads(lambda v: func(c, v), (x,), dtype, xp)


@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_constant_gets_no_gradient_and_is_not_modified(xp, op):
    func, _ = BINARY[op]
    x = dbr.Variable(xp.asarray(_uniform((2, 3), numpy.float32, 0.5, 1.5)))
    host_c = _uniform((2, 3), numpy.float64, 0.5, 1.5)
    c = xp.asarray(host_c)
    F.sum(func(x, c)).backward()
    assert x.grad is not None and x.grad.dtype == numpy.float32
    testing.assert_allclose(c, host_c, atol=0, rtol=0)
    assert c.dtype == numpy.float64


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('func,ref', [(F.add, lambda a, b, c: a + b + c),
                                      (F.mul, lambda a, b, c: a * b * c)])
def test_add_mul_three_operands(xp, func, ref, dtype):
    xs = [_uniform(s, dtype) for s in [(2, 3), (3,), (2, 1)]]
    y = _forward(func, xs, xp)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, ref(*map(_f64, xs)), **_fwd_tol(dtype))
    _check_grads(func, xs, dtype, xp)


@pytest.mark.parametrize('func,name', [(F.add, 'add'), (F.mul, 'mul')])
def test_add_mul_need_two_operands(func, name):
    with pytest.raises(TypeError, match=f'{name}: expected at least 2 operands, got 1'):
        func(dbr.Variable(numpy.ones(2)))


@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_dtype_mismatch(op):
    func, _ = BINARY[op]
    a = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    b = dbr.Variable(numpy.ones((2, 3), numpy.float64))
    with pytest.raises(InvalidType, match=f'^{op}: .*x0.dtype=float32, x1.dtype=float64'):
        func(a, b)


@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_shapes_not_broadcastable(op):
    func, _ = BINARY[op]
    a = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    b = dbr.Variable(numpy.ones((4,), numpy.float32))
    with pytest.raises(InvalidType,
                       match=fr'^{op}: expected shapes that broadcast together, got \(2, 3\), \(4,\)'):
        func(a, b)


def test_binary_error_is_type_and_value_error():
    a = dbr.Variable(numpy.ones(3, numpy.float32))
    b = dbr.Variable(numpy.ones(3, numpy.float64))
    with pytest.raises(TypeError):
        F.add(a, b)
    with pytest.raises(ValueError):
        F.add(a, b)


@pytest.mark.parametrize('op', sorted(BINARY))
def test_binary_unsupported_operand(op):
    func, _ = BINARY[op]
    with pytest.raises(TypeError, match=f'^{op}: unsupported operand type str; expected a '
                                         'Variable, an array or a scalar'):
        func(dbr.Variable(numpy.ones(2)), 'a')


@pytest.mark.parametrize('op', ['sub', 'div', 'pow'])
def test_binary_of_two_plain_arrays_is_rejected(op):
    func, _ = BINARY[op]
    with pytest.raises(TypeError, match=f'{op}: expected at least one Variable operand, got '
                                         'ndarray and ndarray'):
        func(numpy.ones(2), numpy.ones(2))


# ----- pow specifics -----------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('exponent', [2, 3, 2.0, 0.5, -1, -1.5, 1, numpy.float64(3.0)])
def test_pow_constant_exponent(xp, exponent, dtype):
    x = _uniform((3, 4), dtype, 0.5, 2.0)
    y = _forward(lambda v: F.pow(v, exponent), (x,), xp)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, _f64(x) ** float(exponent), **_fwd_tol(dtype))
    _check_grads(lambda v: F.pow(v, exponent), (x,), dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
def test_pow_integer_exponent_of_negative_base(xp, dtype):
    x = _away((3, 4), dtype)
    for exponent in (2, 3):
        y = _forward(lambda v: v ** exponent, (x,), xp)
        testing.assert_allclose(y.array, _f64(x) ** exponent, **_fwd_tol(dtype))
        _check_grads(lambda v: v ** exponent, (x,), dtype, xp)


def test_pow_zero_exponent_gradient_is_zero_even_at_zero(xp):
    x = dbr.Variable(xp.asarray([0.0, 1.0, -2.0]))
    y = x ** 0
    testing.assert_allclose(y.array, numpy.ones(3), atol=0, rtol=0)
    F.sum(y).backward()
    testing.assert_allclose(x.grad, numpy.zeros(3), atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
def test_pow_scalar_base_variable_exponent(xp, dtype):
    x = _uniform((2, 3), dtype, -2.0, 2.0)
    for base in (2.0, numpy.float64(0.5), 3):
        y = _forward(lambda v: F.pow(base, v), (x,), xp)
        assert y.dtype == dtype
        testing.assert_allclose(y.array, float(base) ** _f64(x), **_fwd_tol(dtype))
        _check_grads(lambda v: F.pow(base, v), (x,), dtype, xp)


def test_pow_exponent_gradient_matches_reference(xp):
    a = _uniform((2, 3), numpy.float64, 0.5, 2.0)
    b = _uniform((2, 3), numpy.float64, -1.5, 1.5)
    va, vb = dbr.Variable(xp.asarray(a)), dbr.Variable(xp.asarray(b))
    F.sum(va ** vb).backward()
    testing.assert_allclose(va.grad, b * a ** (b - 1), atol=1e-12, rtol=1e-10)
    testing.assert_allclose(vb.grad, a ** b * numpy.log(a), atol=1e-12, rtol=1e-10)


# ----- unary elementwise: exp, log, absolute, negative -------------------------------------------

UNARY = {
    'exp': (F.exp, numpy.exp, lambda s, d: _uniform(s, d, -2.0, 2.0)),
    'log': (F.log, numpy.log, lambda s, d: _uniform(s, d, 0.5, 3.0)),
    'absolute': (F.absolute, numpy.abs, lambda s, d: _away(s, d, 0.1, 2.0)),
    'negative': (F.negative, numpy.negative, lambda s, d: _uniform(s, d)),
}
UNARY_SHAPES = [(3, 4), (), (1,), (0, 3), (2, 1, 3)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', UNARY_SHAPES)
@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_forward(xp, op, shape, dtype):
    func, ref, gen = UNARY[op]
    x = gen(shape, dtype)
    y = _forward(func, (x,), xp)
    assert y.dtype == dtype
    assert y.shape == shape
    testing.assert_allclose(y.array, ref(_f64(x)), **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', UNARY_SHAPES)
@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_grads(xp, op, shape, dtype):
    func, _, gen = UNARY[op]
    _check_grads(func, (gen(shape, dtype),), dtype, xp)


@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_grads_float16(xp, op):
    func, _, gen = UNARY[op]
    _check_grads(func, (gen((3, 4), numpy.float16),), numpy.float16, xp, double=False)


@pytest.mark.parametrize('op', sorted(UNARY))
def test_unary_gradient_matches_reference(xp, op):
    func, _, gen = UNARY[op]
    x = gen((2, 3), numpy.float64)
    derivative = {'exp': numpy.exp, 'log': lambda a: 1 / a, 'absolute': numpy.sign,
                  'negative': lambda a: -numpy.ones_like(a)}[op]
    gy = _normal((2, 3), numpy.float64)
    v = dbr.Variable(xp.asarray(x))
    y = func(v)
    y.grad = xp.asarray(gy)
    y.backward()
    testing.assert_allclose(v.grad, gy * derivative(x), atol=1e-12, rtol=1e-10)


def test_absolute_gradient_at_zero_is_zero(xp):
    x = dbr.Variable(xp.asarray([-1.5, 0.0, 2.0], dtype=numpy.float32))
    F.sum(abs(x)).backward()
    testing.assert_allclose(x.grad, numpy.array([-1.0, 0.0, 1.0]), atol=0, rtol=0)
    assert x.grad.dtype == numpy.float32


@pytest.mark.parametrize('func,name', [(F.exp, 'exp'), (F.log, 'log')])
@pytest.mark.parametrize('int_dtype', [numpy.int32, numpy.int64])
def test_exp_log_reject_integers(func, name, int_dtype):
    x = dbr.Variable(numpy.arange(1, 4, dtype=int_dtype))
    with pytest.raises(InvalidType,
                       match=fr"^{name}: expected x.dtype.kind == 'f', got "
                             fr"x.dtype={numpy.dtype(int_dtype).name}$"):
        func(x)


def test_exp_log_of_plain_array_give_variables(xp):
    x = _uniform((2,), numpy.float32, 0.5, 1.0)
    y = F.log(F.exp(xp.asarray(x)))
    assert isinstance(y, dbr.Variable) and not y.requires_grad
    testing.assert_allclose(y.array, x, atol=1e-6, rtol=1e-5)


# ----- sum ---------------------------------------------------------------------------------------

SUM_CASES = [
    ((2, 3, 4), None),
    ((2, 3, 4), 0),
    ((2, 3, 4), 1),
    ((2, 3, 4), -1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, 0)),
    ((2, 3, 4), [1, 2]),
    ((2, 3, 4), ()),
    ((2, 3, 4), (0, 1, 2)),
    ((), None),
    ((1, 3), 0),
    ((5,), 0),
    ((2, 0), 1),
    ((2, 0), 0),
    ((2, 0), None),
    ((0,), None),
]


@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('shape,axis', SUM_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_sum_forward(xp, dtype, shape, axis, keepdims):
    x = _uniform(shape, dtype)
    y = F.sum(dbr.Variable(xp.asarray(x)), axis=axis, keepdims=keepdims)
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    expected = _f64(x).sum(axis=np_axis, keepdims=keepdims)
    assert y.dtype == dtype
    assert y.shape == expected.shape
    tol = dict(atol=1e-2, rtol=1e-2) if dtype == numpy.float16 else _fwd_tol(dtype)
    testing.assert_allclose(y.array, expected, **tol)


@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('shape,axis', SUM_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_sum_grads(xp, dtype, shape, axis, keepdims):
    _check_grads(lambda v: F.sum(v, axis=axis, keepdims=keepdims), (_uniform(shape, dtype),),
                 dtype, xp)


def test_sum_gradient_broadcasts_back(xp):
    x = dbr.Variable(xp.asarray(_uniform((2, 3, 4), numpy.float32)))
    gy = _normal((2, 4), numpy.float32)
    y = F.sum(x, axis=1)
    y.grad = xp.asarray(gy)
    y.backward()
    testing.assert_allclose(x.grad, numpy.broadcast_to(gy[:, None, :], (2, 3, 4)), atol=0, rtol=0)
    assert x.grad.dtype == numpy.float32
    # the leaf owns a writable gradient (optimizers update it in place)
    x.grad[...] = 0


def test_sum_over_empty_axis(xp):
    x = dbr.Variable(xp.zeros((3, 0), numpy.float32))
    y = F.sum(x, axis=1)
    testing.assert_allclose(y.array, numpy.zeros(3), atol=0, rtol=0)
    y.grad = xp.ones(3, numpy.float32)
    y.backward()
    assert x.grad.shape == (3, 0) and x.grad.dtype == numpy.float32


@pytest.mark.parametrize('axis', [2, -3, (0, 2), (5,)])
def test_sum_axis_out_of_range(axis):
    x = dbr.Variable(numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r'^sum: expected axis in \[-2, 2\), got axis=.*'
                                          r'x\.shape=\(2, 3\)'):
        F.sum(x, axis=axis)


def test_sum_duplicate_axes():
    x = dbr.Variable(numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(ValueError, match=r'^sum: duplicate axes in \(0, -2\)'):
        F.sum(x, axis=(0, -2))


def test_sum_bad_axis_type():
    x = dbr.Variable(numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(TypeError, match=r'^sum: axis must be None, an int or a tuple of ints, '
                                        r'got 1\.0'):
        F.sum(x, axis=1.0)


def test_sum_accepts_numpy_integer_axis(xp):
    x = _uniform((2, 3), numpy.float64)
    y = F.sum(dbr.Variable(xp.asarray(x)), axis=numpy.int64(1))
    testing.assert_allclose(y.array, x.sum(axis=1), atol=1e-12, rtol=1e-12)


# ----- sum_to ------------------------------------------------------------------------------------

SUM_TO_CASES = [
    ((2, 3, 4), (3, 4)),
    ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (1, 1, 4)),
    ((2, 3), (1, 3)),
    ((2, 3), (2, 1)),
    ((2, 3), (1, 1)),
    ((2, 3), ()),
    ((4, 1, 3), (1, 3)),
    ((1, 3), (3,)),
    ((2, 0, 3), (1, 3)),
    ((2, 3), (2, 3)),
    ((), ()),
]


def _sum_to_ref(x, shape):
    lead = x.ndim - len(shape)
    y = x.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1)
    return y.sum(axis=axes, keepdims=True)


@pytest.mark.parametrize('shape,target', SUM_TO_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_sum_to_forward(xp, dtype, shape, target):
    x = _uniform(shape, dtype)
    y = F.sum_to(dbr.Variable(xp.asarray(x)), target)
    expected = _sum_to_ref(_f64(x), target)
    assert y.shape == target == expected.shape
    assert y.dtype == dtype
    tol = dict(atol=1e-2, rtol=1e-2) if dtype == numpy.float16 else _fwd_tol(dtype)
    testing.assert_allclose(y.array, expected, **tol)


@pytest.mark.parametrize('shape,target', SUM_TO_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_sum_to_grads(xp, dtype, shape, target):
    _check_grads(lambda v: F.sum_to(v, target), (_uniform(shape, dtype),), dtype, xp)


def test_sum_to_same_shape_returns_input():
    x = dbr.Variable(numpy.ones((2, 3)))
    assert F.sum_to(x, (2, 3)) is x


@pytest.mark.parametrize('shape,target', [((2, 3), (4,)), ((2, 3), (3, 3)), ((2, 3), (2, 2))])
def test_sum_to_not_reducible(shape, target):
    x = dbr.Variable(numpy.zeros(shape, numpy.float32))
    with pytest.raises(InvalidType) as info:
        F.sum_to(x, target)
    msg = str(info.value)
    assert msg.startswith('sum_to: expected ')
    assert f'x.shape={shape}' in msg and f'self.shape={target}' in msg, msg
    assert 'bound method' not in msg


def test_sum_to_more_dims_than_input():
    x = dbr.Variable(numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r'^sum_to: expected x\.ndim >= len\(self\.shape\), '
                                          r'got x\.ndim=2, self\.shape=\(2, 3, 1\)'):
        F.sum_to(x, (2, 3, 1))


# ----- matmul ------------------------------------------------------------------------------------

def _matmul_ref(a, b, transa, transb):
    if transa and a.ndim >= 2:
        a = a.swapaxes(-1, -2)
    if transb and b.ndim >= 2:
        b = b.swapaxes(-1, -2)
    return numpy.matmul(a, b)


MATMUL_CASES = [
    # (a shape, b shape, transa, transb)
    ((3,), (3,), False, False),
    ((2, 3), (3,), False, False),
    ((3,), (3, 4), False, False),
    ((2, 3), (3, 4), False, False),
    ((1, 1), (1, 1), False, False),
    ((5, 2, 3), (5, 3, 4), False, False),
    ((2, 1, 2, 3), (3, 3, 4), False, False),
    ((2, 3), (4, 3, 5), False, False),
    ((4, 2, 3), (3,), False, False),
    ((3,), (4, 3, 2), False, False),
    ((3, 2), (3, 4), True, False),
    ((2, 3), (4, 3), False, True),
    ((3, 2), (4, 3), True, True),
    ((5, 3, 2), (1, 4, 3), True, True),
    ((3,), (4, 3), True, True),  # transa does not apply to a vector
    ((0, 3), (3, 4), False, False),
    ((2, 0), (0, 4), False, False),
]


@pytest.mark.parametrize('a_shape,b_shape,transa,transb', MATMUL_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_matmul_forward(xp, dtype, a_shape, b_shape, transa, transb):
    a, b = _uniform(a_shape, dtype), _uniform(b_shape, dtype)
    y = _forward(lambda u, v: F.matmul(u, v, transa=transa, transb=transb), (a, b), xp)
    expected = _matmul_ref(_f64(a), _f64(b), transa, transb)
    assert y.shape == expected.shape
    assert y.dtype == dtype
    tol = dict(atol=1e-2, rtol=1e-2) if dtype == numpy.float16 else _fwd_tol(dtype)
    testing.assert_allclose(y.array, expected, **tol)


@pytest.mark.parametrize('a_shape,b_shape,transa,transb', MATMUL_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_matmul_grads(xp, dtype, a_shape, b_shape, transa, transb):
    a, b = _uniform(a_shape, dtype), _uniform(b_shape, dtype)
    _check_grads(lambda u, v: F.matmul(u, v, transa=transa, transb=transb), (a, b), dtype, xp)


def test_matmul_gradient_matches_reference(xp):
    a = _uniform((2, 1, 2, 3), numpy.float64)
    b = _uniform((3, 3, 4), numpy.float64)
    gy = _normal((2, 3, 2, 4), numpy.float64)
    va, vb = dbr.Variable(xp.asarray(a)), dbr.Variable(xp.asarray(b))
    y = va @ vb
    y.grad = xp.asarray(gy)
    y.backward()
    ga = numpy.matmul(gy, b.swapaxes(-1, -2)).sum(axis=1, keepdims=True)
    gb = numpy.matmul(a.swapaxes(-1, -2), gy).sum(axis=0)
    testing.assert_allclose(va.grad, ga, atol=1e-12, rtol=1e-10)
    testing.assert_allclose(vb.grad, gb, atol=1e-12, rtol=1e-10)


def test_matmul_vector_vector_is_zero_dim(xp):
    a, b = _uniform((3,), numpy.float64), _uniform((3,), numpy.float64)
    y = dbr.Variable(xp.asarray(a)) @ dbr.Variable(xp.asarray(b))
    assert y.shape == ()
    testing.assert_allclose(y.array, numpy.dot(a, b), atol=1e-12, rtol=1e-12)


def test_matmul_with_constant_array_operand(xp):
    a = _uniform((2, 3), numpy.float32)
    b = _uniform((3, 4), numpy.float32)
    v = dbr.Variable(xp.asarray(a))
    y = v @ xp.asarray(b)
    testing.assert_allclose(y.array, _f64(a) @ _f64(b), **_fwd_tol(numpy.float32))
    y2 = xp.asarray(b.T) @ dbr.Variable(xp.asarray(a.T))  # ndarray @ Variable uses __rmatmul__
    assert isinstance(y2, dbr.Variable)
    testing.assert_allclose(y2.array, _f64(b.T) @ _f64(a.T), **_fwd_tol(numpy.float32))
    b64 = xp.asarray(_f64(b))
    _check_grads(lambda u: F.matmul(u, b64), (_f64(a),), numpy.float64, xp)


def test_matmul_inner_dims_mismatch():
    a = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    b = dbr.Variable(numpy.ones((4, 5), numpy.float32))
    with pytest.raises(InvalidType, match=r'^matmul: .*a\.shape=\(2, 3\), b\.shape=\(4, 5\).*'
                                          r'3 != 4'):
        F.matmul(a, b)


def test_matmul_inner_dims_mismatch_with_transpose():
    a = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    b = dbr.Variable(numpy.ones((3, 4), numpy.float32))
    with pytest.raises(InvalidType, match=r'^matmul: .*a\.shape=\(2, 3\), b\.shape=\(3, 4\) '
                                          r'\(transa=True, transb=False\): 2 != 3'):
        F.matmul(a, b, transa=True)


def test_matmul_batch_not_broadcastable():
    a = dbr.Variable(numpy.ones((2, 2, 3), numpy.float32))
    b = dbr.Variable(numpy.ones((3, 3, 2), numpy.float32))
    with pytest.raises(InvalidType, match=r'^matmul: expected shapes that broadcast together, '
                                          r'got \(2,\), \(3,\)'):
        F.matmul(a, b)


def test_matmul_dtype_mismatch():
    a = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    b = dbr.Variable(numpy.ones((3, 4), numpy.float64))
    with pytest.raises(InvalidType, match=r'^matmul: expected a\.dtype == b\.dtype, got '
                                          r'a\.dtype=float32, b\.dtype=float64'):
        a @ b


def test_matmul_rejects_integers_and_scalars():
    with pytest.raises(InvalidType, match=r"^matmul: expected a\.dtype\.kind == 'f', got "
                                          r'a\.dtype=int64'):
        F.matmul(dbr.Variable(numpy.ones((2, 2), numpy.int64)), numpy.ones((2, 2), numpy.int64))
    with pytest.raises(InvalidType, match=r'^matmul: expected a\.ndim >= 1, got a\.ndim=0'):
        F.matmul(dbr.Variable(numpy.ones(())), numpy.ones(3))


# ----- floor_divide ------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS16)
def test_floor_divide(xp, dtype):
    a = _uniform((3, 4), dtype, -5.0, 5.0)
    b = _away((4,), dtype, 0.5, 2.0)
    va, vb = dbr.Variable(xp.asarray(a)), dbr.Variable(xp.asarray(b))
    expected = numpy.floor_divide(a, b)  # same dtype: no rounding differences at the floor
    for y in (F.floor_divide(va, vb), va // vb):
        assert y.dtype == dtype and y.shape == (3, 4)
        testing.assert_allclose(y.array, expected, atol=0, rtol=0)
        assert y.requires_grad is False
        assert y.creator is None


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('c', [2, 2.0, numpy.float64(2.0), numpy.int64(2)])
def test_floor_divide_by_scalar_keeps_dtype(xp, dtype, c):
    a = _uniform((5,), dtype, -5.0, 5.0)
    v = dbr.Variable(xp.asarray(a))
    c_cast = numpy.asarray(c).astype(dtype)
    y = v // c
    assert y.dtype == dtype and not y.requires_grad
    testing.assert_allclose(y.array, numpy.floor_divide(a, c_cast), atol=0, rtol=0)
    b = _away((5,), dtype, 0.5, 2.0)
    y = c // dbr.Variable(xp.asarray(b))
    assert y.dtype == dtype and not y.requires_grad
    testing.assert_allclose(y.array, numpy.floor_divide(c_cast, b), atol=0, rtol=0)


def test_floor_divide_is_cut_from_the_graph(xp):
    x = dbr.Variable(xp.asarray(_uniform((4,), numpy.float64, 0.0, 4.0)))
    y = F.sum(x * 3.0 + x // 1.0)
    y.backward()
    testing.assert_allclose(x.grad, numpy.full(4, 3.0), atol=0, rtol=0)


def test_floor_divide_unsupported_operand():
    x = dbr.Variable(numpy.ones(3, numpy.float32))
    with pytest.raises(TypeError, match='^floor_divide: unsupported operand type str'):
        x // 'a'


def test_floor_divide_dtype_mismatch():
    a = dbr.Variable(numpy.ones(3, numpy.float32))
    b = dbr.Variable(numpy.ones(3, numpy.float64))
    with pytest.raises(InvalidType, match='^floor_divide: .*x0.dtype=float32, x1.dtype=float64'):
        a // b


def test_floor_divide_shapes_not_broadcastable():
    a = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    b = dbr.Variable(numpy.ones((4,), numpy.float32))
    with pytest.raises(InvalidType, match=r'^floor_divide: expected shapes that broadcast '
                                          r'together, got \(2, 3\), \(4,\)'):
        a // b


# ----- Variable arithmetic operators -------------------------------------------------------------

# (name, expression on a Variable or a float64 array, needs a positive x)
SCALAR_OPERATORS = [
    ('x + c', lambda x, c: x + c),
    ('c + x', lambda x, c: c + x),
    ('x - c', lambda x, c: x - c),
    ('c - x', lambda x, c: c - x),
    ('x * c', lambda x, c: x * c),
    ('c * x', lambda x, c: c * x),
    ('x / c', lambda x, c: x / c),
    ('c / x', lambda x, c: c / x),
    ('x ** c', lambda x, c: x ** c),
    ('c ** x', lambda x, c: c ** x),
    ('-x + c', lambda x, c: -x + c),
    ('abs(x) * c', lambda x, c: abs(x) * c),
    ('+x - c', lambda x, c: +x - c),
]
SCALARS = {
    'int': 2,
    'float': 2.0,
    'numpy.float64': numpy.float64(2.0),
    'numpy.float32': numpy.float32(2.0),
    'numpy.int64': numpy.int64(3),
    'negative float': -1.5,
}


@pytest.mark.parametrize('scalar', sorted(SCALARS))
@pytest.mark.parametrize('name,expr', SCALAR_OPERATORS, ids=[n for n, _ in SCALAR_OPERATORS])
@pytest.mark.parametrize('dtype', FLOATS16)
def test_scalar_operators(xp, dtype, name, expr, scalar):
    c = SCALARS[scalar]
    if name == 'c ** x' and c < 0:
        c = -c  # a negative base has no real power
    x = _uniform((2, 3), dtype, 0.5, 1.5)
    y = expr(dbr.Variable(xp.asarray(x)), c)
    assert isinstance(y, dbr.Variable)
    assert y.dtype == dtype, f'{name} with {scalar}: {y.dtype}'
    c_cast = float(numpy.asarray(c).astype(dtype))
    testing.assert_allclose(y.array, expr(_f64(x), c_cast), **_fwd_tol(dtype))
    if dtype != numpy.float16:
        _check_grads(lambda v: expr(v, c), (x,), dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
def test_operators_on_zero_dim_variable(xp, dtype):
    x = _uniform((), dtype, 0.5, 1.5)
    v = dbr.Variable(xp.asarray(x))
    y = (2.0 - v) * v / 3 + v ** 2
    assert y.shape == () and y.dtype == dtype
    xd = float(x)
    testing.assert_allclose(y.array, (2.0 - xd) * xd / 3 + xd ** 2, **_fwd_tol(dtype))
    _check_grads(lambda v: (2.0 - v) * v / 3 + v ** 2, (x,), dtype, xp)


VARIABLE_OPERATORS = [
    ('+', operator.add), ('-', operator.sub), ('*', operator.mul), ('/', operator.truediv),
    ('**', operator.pow),
]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('sym,op', VARIABLE_OPERATORS, ids=[s for s, _ in VARIABLE_OPERATORS])
def test_variable_variable_operators(xp, sym, op, dtype):
    a = _uniform((3, 1), dtype, 0.5, 1.5)
    b = _uniform((4,), dtype, 0.5, 1.5)
    y = _forward(op, (a, b), xp)
    assert y.dtype == dtype and y.shape == (3, 4)
    testing.assert_allclose(y.array, op(_f64(a), _f64(b)), **_fwd_tol(dtype))
    _check_grads(op, (a, b), dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('sym,op', VARIABLE_OPERATORS, ids=[s for s, _ in VARIABLE_OPERATORS])
def test_array_variable_operators(xp, sym, op, dtype):
    """``ndarray op Variable`` defers to the Variable and keeps its dtype."""
    a = _uniform((2, 3), numpy.float64, 0.5, 1.5)
    b = _uniform((3,), dtype, 0.5, 1.5)
    y = op(xp.asarray(a), dbr.Variable(xp.asarray(b)))
    assert isinstance(y, dbr.Variable)
    assert y.dtype == dtype and y.shape == (2, 3)
    testing.assert_allclose(y.array, op(_f64(a.astype(dtype)), _f64(b)), **_fwd_tol(dtype))
    _check_grads(lambda v: op(xp.asarray(a), v), (b,), dtype, xp)


def test_same_variable_on_both_sides_accumulates(xp):
    x = _uniform((3,), numpy.float64, 0.5, 1.5)
    v = dbr.Variable(xp.asarray(x))
    y = F.sum(v * v + v / v - v ** v)
    y.backward()
    testing.assert_allclose(v.grad, 2 * x - x ** x * (numpy.log(x) + 1), atol=1e-12, rtol=1e-10)
    _check_grads(lambda v: v * v + v / v - v ** v, (x,), numpy.float64, xp)


@pytest.mark.parametrize('expr,name', [
    (lambda x: x + 'a', 'add'),
    (lambda x: 'a' + x, 'add'),
    (lambda x: x - 'a', 'sub'),
    (lambda x: 'a' - x, 'sub'),
    (lambda x: x * [1, 2], 'mul'),
    (lambda x: [1, 2] * x, 'mul'),
    (lambda x: x / None, 'div'),
    (lambda x: x ** 'a', 'pow'),
    (lambda x: 'a' ** x, 'pow'),
    (lambda x: x + (1, 2), 'add'),
    (lambda x: x * 1j, 'mul'),
])
def test_operator_unsupported_operand(expr, name):
    x = dbr.Variable(numpy.ones(2, numpy.float32))
    with pytest.raises(TypeError, match=fr'^{name}: unsupported operand type '):
        expr(x)


def test_matmul_operator_unsupported_operand():
    x = dbr.Variable(numpy.ones(2, numpy.float32))
    with pytest.raises(TypeError, match=r'^matmul: input 1 must be a Variable or a NumPy/CuPy '
                                        r'array, got str'):
        x @ 'a'


def test_comparisons_return_plain_arrays(xp):
    a = _uniform((5,), numpy.float32)
    b = _uniform((5,), numpy.float32)
    va, vb = dbr.Variable(xp.asarray(a)), dbr.Variable(xp.asarray(b))
    for op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne):
        for got, want in ((op(va, vb), op(a, b)), (op(va, 0.0), op(a, 0.0)),
                          (op(va, xp.asarray(b)), op(a, b))):
            assert not isinstance(got, dbr.Variable)
            assert got.dtype == numpy.bool_
            assert (dbr.backend.to_cpu(got) == want).all()
