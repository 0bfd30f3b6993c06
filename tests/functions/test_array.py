"""Tests of dbr.functions.array (broadcast_to, get_item, reshape, transpose) and ``v[...]``.

Forward against NumPy, dtype preservation, ``check_backward`` / ``check_double_backward``
in float64 and float32, and the error messages of bad inputs.
"""
import re

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
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _uniform(shape, dtype):
    return numpy.asarray(numpy.random.uniform(-1, 1, shape)).astype(dtype)


def _check_grads(func, x, dtype, xp):
    """check_backward and check_double_backward of the one-input ``func`` at host array x."""
    x = xp.asarray(x)
    with dbr.no_backprop_mode():
        y = func(dbr.Variable(x))
    gy = xp.asarray(_uniform(y.shape, dtype))
    ggx = xp.asarray(_uniform(x.shape, dtype))
    gradient_check.check_backward(func, x, gy, **_grad_opts(dtype))
    gradient_check.check_double_backward(func, x, gy, ggx, **_grad_opts(dtype))


def _exact(y, expected):
    """Array ops only move data: results must be bit-identical to NumPy's."""
    assert y.shape == expected.shape
    assert y.dtype == expected.dtype
    testing.assert_allclose(y, expected, atol=0, rtol=0)


# ----- broadcast_to ------------------------------------------------------------------------------

BROADCAST_CASES = [
    ((3,), (2, 3)),
    ((3, 1), (3, 4)),
    ((1, 3), (2, 2, 3)),
    ((), (2, 3)),
    ((), ()),
    ((1,), (4,)),
    ((2, 1, 3), (5, 2, 4, 3)),
    ((1, 3), (0, 3)),
    ((0,), (2, 0)),
]


@pytest.mark.parametrize('shape,target', BROADCAST_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_broadcast_to_forward(xp, dtype, shape, target):
    x = _uniform(shape, dtype)
    y = F.broadcast_to(dbr.Variable(xp.asarray(x)), target)
    _exact(y.array, numpy.broadcast_to(x, target))


@pytest.mark.parametrize('shape,target', BROADCAST_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_broadcast_to_grads(xp, dtype, shape, target):
    _check_grads(lambda v: F.broadcast_to(v, target), _uniform(shape, dtype), dtype, xp)


def test_broadcast_to_gradient_sums(xp):
    x = dbr.Variable(xp.asarray(_uniform((3, 1), numpy.float32)))
    gy = _uniform((2, 3, 4), numpy.float32)
    y = F.broadcast_to(x, (2, 3, 4))
    y.grad = xp.asarray(gy)
    y.backward()
    testing.assert_allclose(x.grad, gy.sum(axis=(0, 2)).reshape(3, 1), atol=1e-6, rtol=1e-6)
    assert x.grad.dtype == numpy.float32


def test_broadcast_to_same_shape_returns_input():
    x = dbr.Variable(numpy.ones((2, 3)))
    assert F.broadcast_to(x, (2, 3)) is x
    assert F.broadcast_to(x, [2, 3]) is x


@pytest.mark.parametrize('shape,target', [((2, 3), (4, 3)), ((3,), (2, 4)), ((2, 3), (3,)),
                                          ((2,), ())])
def test_broadcast_to_impossible(shape, target):
    x = dbr.Variable(numpy.zeros(shape, numpy.float32))
    with pytest.raises(InvalidType) as info:
        F.broadcast_to(x, target)
    msg = str(info.value)
    assert msg.startswith('broadcast_to: expected '), msg
    assert f'self.shape={target}' in msg, msg
    assert f'x.shape={shape}' in msg or f'x.ndim={len(shape)}' in msg, msg


# ----- reshape -----------------------------------------------------------------------------------

RESHAPE_CASES = [
    ((2, 3), (3, 2)),
    ((2, 3), (6,)),
    ((2, 3), (-1,)),
    ((2, 3, 4), (4, -1)),
    ((2, 3), (1, 2, 1, 3)),
    ((6,), (2, -1, 3)),
    ((), (1, 1)),
    ((1, 1), ()),
    ((0, 3), (3, 0)),
    ((0, 3), (-1, 3)),
    ((2, 0), (0,)),
]


@pytest.mark.parametrize('shape,target', RESHAPE_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_reshape_forward(xp, dtype, shape, target):
    x = _uniform(shape, dtype)
    y = F.reshape(dbr.Variable(xp.asarray(x)), target)
    _exact(y.array, x.reshape(target))


@pytest.mark.parametrize('shape,target', RESHAPE_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_reshape_grads(xp, dtype, shape, target):
    _check_grads(lambda v: F.reshape(v, target), _uniform(shape, dtype), dtype, xp)


def test_reshape_int_shape_and_method(xp):
    x = _uniform((2, 3), numpy.float32)
    v = dbr.Variable(xp.asarray(x))
    _exact(F.reshape(v, 6).array, x.reshape(6))
    _exact(v.reshape(3, 2).array, x.reshape(3, 2))
    _exact(v.reshape((1, 6)).array, x.reshape(1, 6))
    _exact(v.reshape([6, 1]).array, x.reshape(6, 1))
    assert F.reshape(v, (2, 3)) is v


def test_reshape_gradient_has_input_shape(xp):
    x = dbr.Variable(xp.asarray(_uniform((2, 3), numpy.float32)))
    gy = _uniform((3, 2), numpy.float32)
    y = x.reshape(3, 2)
    y.grad = xp.asarray(gy)
    y.backward()
    _exact(x.grad, gy.reshape(2, 3))


@pytest.mark.parametrize('shape,target,pattern', [
    ((2, 3), (4,), r'^reshape: expected a shape with 6 elements \(the input size\), '
                   r'got shape=\(4,\)'),
    ((2, 3), (4, -1), r'^reshape: expected a shape compatible with size 6, got shape=\(4, -1\)'),
    ((2, 3), (-1, -1), r'^reshape: expected a shape with non-negative sizes and at most one -1, '
                       r'got shape=\(-1, -1\)'),
    ((2, 3), (-2, -3), r'^reshape: expected a shape with non-negative sizes and at most one -1, '
                       r'got shape=\(-2, -3\)'),
    ((0, 3), (0, -1), r'^reshape: expected a shape compatible with size 0, got shape=\(0, -1\)'),
])
def test_reshape_incompatible(shape, target, pattern):
    x = dbr.Variable(numpy.zeros(shape, numpy.float32))
    with pytest.raises(InvalidType, match=pattern):
        F.reshape(x, target)
    with pytest.raises(ValueError):  # numpy agrees that it is impossible
        numpy.zeros(shape).reshape(target)


# ----- transpose ---------------------------------------------------------------------------------

TRANSPOSE_CASES = [
    ((2, 3), None),
    ((2, 3), (1, 0)),
    ((2, 3), (0, 1)),
    ((2, 3, 4), None),
    ((2, 3, 4), (1, 0, 2)),
    ((2, 3, 4), (2, 0, 1)),
    ((2, 3, 4), (-1, 0, 1)),
    ((2, 3, 4), (-1, -3, -2)),
    ((2, 3, 4), [0, 2, 1]),
    ((3,), None),
    ((3,), (0,)),
    ((), None),
    ((0, 2, 1), (2, 0, 1)),
]


@pytest.mark.parametrize('shape,axes', TRANSPOSE_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_transpose_forward(xp, dtype, shape, axes):
    x = _uniform(shape, dtype)
    y = F.transpose(dbr.Variable(xp.asarray(x)), axes)
    _exact(y.array, x.transpose(axes))


@pytest.mark.parametrize('shape,axes', TRANSPOSE_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_transpose_grads(xp, dtype, shape, axes):
    _check_grads(lambda v: F.transpose(v, axes), _uniform(shape, dtype), dtype, xp)


def test_transpose_gradient_is_inverse_permutation(xp):
    x = dbr.Variable(xp.asarray(_uniform((2, 3, 4), numpy.float64)))
    gy = _uniform((4, 2, 3), numpy.float64)
    y = F.transpose(x, (2, 0, 1))
    y.grad = xp.asarray(gy)
    y.backward()
    _exact(x.grad, gy.transpose(1, 2, 0))


def test_transpose_methods(xp):
    x = _uniform((2, 3, 4), numpy.float32)
    v = dbr.Variable(xp.asarray(x))
    _exact(v.T.array, x.T)
    _exact(v.transpose().array, x.transpose())
    _exact(v.transpose(1, 2, 0).array, x.transpose(1, 2, 0))
    _exact(v.transpose((2, 1, 0)).array, x.transpose((2, 1, 0)))


@pytest.mark.parametrize('shape,axes', [((2, 3), (0, 0)), ((2, 3), (0, 2)), ((2, 3), (0,)),
                                        ((2, 3), (0, 1, 2)), ((2, 3), (0, -3)),
                                        ((2, 3, 4), (0, -1, 2))])
def test_transpose_bad_axes(shape, axes):
    x = dbr.Variable(numpy.zeros(shape, numpy.float32))
    pattern = r'^transpose: expected .*got self\.axes=' + re.escape(str(axes)) + \
        fr', x\.ndim={len(shape)}$'
    with pytest.raises(InvalidType, match=pattern):
        F.transpose(x, axes)


# ----- get_item ----------------------------------------------------------------------------------

GET_ITEM_CASES = {
    'int': 1,
    'negative int': -1,
    'int pair': (1, -2),
    'all ints (0-d)': (0, 1, 2),
    'slice': slice(1, None),
    'step slice': (slice(None), slice(None, None, 2)),
    'negative step': (slice(None, None, -1), Ellipsis, slice(3, 0, -2)),
    'None': (None, 0),
    'None middle': (slice(None), None, 1),
    'Ellipsis': (Ellipsis, 1),
    'Ellipsis alone': Ellipsis,
    'empty slice': slice(2, 2),
    'empty step': (slice(None), slice(3, 1)),
    'int array': numpy.array([1, 0]),
    'int array repeats': numpy.array([1, 1, 0, 1]),
    'int array 2-d': numpy.array([[0, 1], [1, 1]]),
    'int array on axis 1': (slice(None), numpy.array([2, 0, 2])),
    'two int arrays': (numpy.array([0, 1, 1]), numpy.array([2, 2, 0])),
    'int array and int': (numpy.array([1, 1]), 2),
    'empty int array': numpy.array([], dtype=numpy.int64),
    'list': [1, 0, 1],
    'list on axis 2': (Ellipsis, [0, 0]),
    'bool mask': 'MASK',
    'bool mask all false': 'FALSE_MASK',
    'bool mask on axis 0': numpy.array([True, False]),
}
GET_ITEM_SHAPE = (2, 3, 4)


def _slices(name, x):
    s = GET_ITEM_CASES[name]
    if isinstance(s, str) and s == 'MASK':
        return x > 0
    if isinstance(s, str) and s == 'FALSE_MASK':
        return numpy.zeros(x.shape, bool)
    return s


def _on(xp, s):
    """Moves the arrays inside an index to ``xp`` (lists stay lists)."""
    if isinstance(s, tuple):
        return tuple(_on(xp, t) for t in s)
    if isinstance(s, numpy.ndarray):
        return xp.asarray(s)
    return s


def _get_item_ref_grad(x_shape, s, gy):
    gx = numpy.zeros(x_shape, gy.dtype)
    if isinstance(s, list):
        s = numpy.asarray(s)
    numpy.add.at(gx, s, gy)
    return gx


@pytest.mark.parametrize('name', sorted(GET_ITEM_CASES))
@pytest.mark.parametrize('dtype', FLOATS16)
def test_get_item_forward(xp, dtype, name):
    x = _uniform(GET_ITEM_SHAPE, dtype)
    s = _slices(name, x)
    expected = numpy.asarray(x[s])
    for y in (F.get_item(dbr.Variable(xp.asarray(x)), _on(xp, s)),
              dbr.Variable(xp.asarray(x))[_on(xp, s)]):
        assert isinstance(y, dbr.Variable)
        _exact(y.array, expected)


@pytest.mark.parametrize('name', sorted(GET_ITEM_CASES))
@pytest.mark.parametrize('dtype', FLOATS)
def test_get_item_grads(xp, dtype, name):
    x = _uniform(GET_ITEM_SHAPE, dtype)
    s = _on(xp, _slices(name, x))
    _check_grads(lambda v: v[s], x, dtype, xp)


@pytest.mark.parametrize('name', sorted(GET_ITEM_CASES))
def test_get_item_gradient_scatters_and_accumulates(xp, name):
    x = _uniform(GET_ITEM_SHAPE, numpy.float32)
    s = _slices(name, x)
    v = dbr.Variable(xp.asarray(x))
    y = F.get_item(v, _on(xp, s))
    gy = _uniform(y.shape, numpy.float32)
    y.grad = xp.asarray(gy)
    y.backward()
    expected = _get_item_ref_grad(x.shape, s, gy)
    assert v.grad.shape == x.shape and v.grad.dtype == numpy.float32
    testing.assert_allclose(v.grad, expected, atol=1e-6, rtol=1e-6)


def test_get_item_repeated_index_counts(xp):
    v = dbr.Variable(xp.asarray(_uniform((4,), numpy.float64)))
    F.sum(v[[0, 2, 2, 2, 0]]).backward()
    testing.assert_allclose(v.grad, numpy.array([2.0, 0.0, 3.0, 0.0]), atol=0, rtol=0)


def test_get_item_with_variable_index(xp):
    x = _uniform((5,), numpy.float32)
    idx = dbr.Variable(xp.asarray(numpy.array([4, 0, 4])), requires_grad=False)
    v = dbr.Variable(xp.asarray(x))
    y = F.get_item(v, idx)
    _exact(y.array, x[[4, 0, 4]])


def test_get_item_zero_dim_result_is_array(xp):
    x = _uniform((2, 3), numpy.float32)
    y = dbr.Variable(xp.asarray(x))[1, 2]
    assert y.shape == () and y.dtype == numpy.float32
    assert not isinstance(y.array, numpy.generic)
    testing.assert_allclose(y.array, x[1, 2], atol=0, rtol=0)


@pytest.mark.parametrize('index,pattern', [
    (5, r'^get_item: index 5 is out of bounds for axis 0 with size 2 '
        r'\(x\.shape=\(2, 3\), index=\(5,\)\)'),
    ((0, -4), r'^get_item: index -4 is out of bounds for axis 1 with size 3 '
              r'\(x\.shape=\(2, 3\), '),
    (numpy.array([0, 7]), r'^get_item: index 7 is out of bounds for axis 0 with size 2 '
                          r'\(x\.shape=\(2, 3\), '),
    ((0, 0, 0), r'^get_item: too many indices .*\(x\.shape=\(2, 3\), '),
    (numpy.array([True, False, True]), r'^get_item: .*boolean index did not match.*'
                                       r'\(x\.shape=\(2, 3\), '),
])
def test_get_item_out_of_bounds(index, pattern):
    x = dbr.Variable(numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(IndexError, match=pattern):
        x[index]
    with pytest.raises(IndexError, match=pattern):
        F.get_item(x, index)


def test_variable_item_assignment_is_refused():
    x = dbr.Variable(numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(TypeError, match='Variable does not support item assignment'):
        x[0] = 1.0
