"""Tests of the array functions beyond broadcast_to/get_item/reshape/transpose.

Every function: forward against a NumPy reference (array functions only move data, so results
are compared exactly), dtype preservation, ``check_backward`` / ``check_double_backward`` in
float64 and float32, edge shapes (size 1, size 0, non-contiguous inputs), and bad inputs.
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


# ----- helpers ----------------------------------------------------------------------------------

def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _uniform(shape, dtype=numpy.float64):
    return numpy.asarray(numpy.random.uniform(-1, 1, shape)).astype(dtype)


def _as_tuple(y):
    return tuple(y) if isinstance(y, (tuple, list)) else (y,)


def _check_grads(func, inputs, dtype, xp, double=True, no_gy=(), no_grads=None):
    """check_backward (and check_double_backward) of ``func`` at host arrays ``inputs``.

    Outputs whose index is in ``no_gy`` get no gradient (a None entry of ``y_grad``); the
    double-backward check is skipped then, as check_double_backward takes no None y_grad.
    """
    inputs = tuple(xp.asarray(a) for a in inputs)
    with dbr.no_backprop_mode():
        ys = _as_tuple(func(*[dbr.Variable(a) for a in inputs]))
    gys = tuple(None if i in no_gy else xp.asarray(_uniform(y.shape, dtype))
                for i, y in enumerate(ys))
    opts = _grad_opts(dtype)
    gradient_check.check_backward(func, inputs, gys, no_grads=no_grads, **opts)
    if double and not no_gy:
        differentiable = [a for a, ng in zip(inputs, no_grads or [False] * len(inputs))
                          if not ng and a.dtype.kind == 'f']
        ggxs = tuple(xp.asarray(_uniform(a.shape, dtype)) for a in differentiable)
        gradient_check.check_double_backward(func, inputs, gys, ggxs, no_grads=no_grads,
                                             **opts)


def _exact(y, expected):
    """Compares a Variable with a NumPy result: same shape, dtype and values."""
    expected = numpy.asarray(expected)
    assert isinstance(y, dbr.Variable)
    assert y.shape == expected.shape
    assert y.dtype == expected.dtype
    testing.assert_allclose(y.array, expected, atol=0, rtol=0)


def _var(xp, a):
    return dbr.Variable(xp.asarray(a))


def _grad_of(xp, func, x, gy):
    """x.grad after backpropagating ``gy`` (host) through ``func(Variable(x))``."""
    v = _var(xp, x)
    y = func(v)
    y.grad = xp.asarray(gy)
    y.backward()
    return v.grad


# ----- flatten, swapaxes, moveaxis, rollaxis, expand_dims, squeeze ------------------------------

@pytest.mark.parametrize('shape', [(2, 3), (2, 3, 4), (5,), (), (0, 3), (1, 1)])
@pytest.mark.parametrize('dtype', FLOATS16)
def test_flatten_forward(xp, dtype, shape):
    x = _uniform(shape, dtype)
    _exact(F.flatten(_var(xp, x)), x.ravel())
    _exact(F.flatten(xp.asarray(x)), x.ravel())


@pytest.mark.parametrize('dtype', FLOATS)
def test_flatten_grads_non_contiguous(xp, dtype):
    x = _uniform((4, 3), dtype).T
    _exact(F.flatten(xp.asarray(x)), x.ravel())
    _check_grads(F.flatten, (x,), dtype, xp)


SWAP_CASES = [((2, 3), 0, 1), ((2, 3, 4), 0, 2), ((2, 3, 4), -1, 1), ((2, 3), 1, 1),
              ((0, 2), 0, 1)]


@pytest.mark.parametrize('shape,a,b', SWAP_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_swapaxes_forward(xp, dtype, shape, a, b):
    x = _uniform(shape, dtype)
    _exact(F.swapaxes(_var(xp, x), a, b), numpy.swapaxes(x, a, b))


@pytest.mark.parametrize('shape,a,b', SWAP_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_swapaxes_grads(xp, dtype, shape, a, b):
    _check_grads(lambda v: F.swapaxes(v, a, b), (_uniform(shape, dtype),), dtype, xp)


def test_swapaxes_bad_axis():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(InvalidType,
                       match=r'^swapaxes: expected axis2 in \[-2, 2\), got axis2=2, '
                             r'x\.shape=\(2, 3\)$'):
        F.swapaxes(x, 0, 2)
    with pytest.raises(TypeError, match=r'^swapaxes: axis1 must be an int, got 0\.5'):
        F.swapaxes(x, 0.5, 1)


MOVEAXIS_CASES = [((2, 3, 4), 0, -1), ((2, 3, 4), -1, 0), ((2, 3, 4), (0, 1), (2, 0)),
                  ((2, 3, 4), [2, 0], [0, 1]), ((2, 3), 1, 1), ((2, 3, 4, 5), (3, 1), (0, 3)),
                  ((3,), 0, 0), ((2, 0, 3), 1, 2)]


@pytest.mark.parametrize('shape,src,dst', MOVEAXIS_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_moveaxis_forward(xp, dtype, shape, src, dst):
    x = _uniform(shape, dtype)
    _exact(F.moveaxis(_var(xp, x), src, dst), numpy.moveaxis(x, src, dst))


@pytest.mark.parametrize('shape,src,dst', MOVEAXIS_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_moveaxis_grads(xp, dtype, shape, src, dst):
    _check_grads(lambda v: F.moveaxis(v, src, dst), (_uniform(shape, dtype),), dtype, xp)


@pytest.mark.parametrize('src,dst,error,pattern', [
    (3, 0, InvalidType, r'^moveaxis: expected source in \[-3, 3\), got source=3, '
                        r'x\.shape=\(2, 3, 4\)$'),
    (0, -4, InvalidType, r'^moveaxis: expected destination in \[-3, 3\), got destination=-4'),
    ((0, 0), (1, 2), ValueError, r'^moveaxis: repeated axis in source=\(0, 0\)'),
    ((0, 1), 2, ValueError, r'^moveaxis: source and destination must have the same number'),
])
def test_moveaxis_errors(src, dst, error, pattern):
    with pytest.raises(error, match=pattern):
        F.moveaxis(numpy.zeros((2, 3, 4), numpy.float32), src, dst)


ROLLAXIS_CASES = [(axis, start) for axis in range(-3, 3) for start in range(-3, 4)]


@pytest.mark.parametrize('axis,start', ROLLAXIS_CASES)
def test_rollaxis_forward(xp, axis, start):
    x = _uniform((2, 3, 4), numpy.float32)
    _exact(F.rollaxis(_var(xp, x), axis, start), numpy.rollaxis(x, axis, start))


@pytest.mark.parametrize('shape,axis,start', [((2, 3, 4), 2, 0), ((2, 3, 4), 0, 3),
                                              ((2, 3, 4), -2, -1), ((3,), 0, 1)])
@pytest.mark.parametrize('dtype', FLOATS)
def test_rollaxis_grads(xp, dtype, shape, axis, start):
    _check_grads(lambda v: F.rollaxis(v, axis, start), (_uniform(shape, dtype),), dtype, xp)


def test_rollaxis_errors():
    x = numpy.zeros((2, 3, 4), numpy.float32)
    with pytest.raises(InvalidType, match=r'^rollaxis: expected axis in \[-3, 3\), got axis=3'):
        F.rollaxis(x, 3)
    with pytest.raises(InvalidType, match=r'^rollaxis: expected start in \[-3, 3\], got '
                                          r'start=4, x\.shape=\(2, 3, 4\)$'):
        F.rollaxis(x, 0, 4)
    with pytest.raises(InvalidType, match=r'^rollaxis: expected start in \[-3, 3\], got '
                                          r'start=-4'):
        F.rollaxis(x, 0, -4)


EXPAND_CASES = [((2, 3), a) for a in range(-3, 3)] + [((), 0), ((), -1), ((0, 2), 1)]


@pytest.mark.parametrize('shape,axis', EXPAND_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_expand_dims_forward(xp, dtype, shape, axis):
    x = _uniform(shape, dtype)
    _exact(F.expand_dims(_var(xp, x), axis), numpy.expand_dims(x, axis))


@pytest.mark.parametrize('shape,axis', [((2, 3), 0), ((2, 3), -1), ((), 0)])
@pytest.mark.parametrize('dtype', FLOATS)
def test_expand_dims_grads(xp, dtype, shape, axis):
    _check_grads(lambda v: F.expand_dims(v, axis), (_uniform(shape, dtype),), dtype, xp)


@pytest.mark.parametrize('axis', [3, -4])
def test_expand_dims_bad_axis(axis):
    with pytest.raises(InvalidType, match=r'^expand_dims: expected axis in \[-3, 3\), got '
                                          fr'axis={axis}, x\.shape=\(2, 3\)$'):
        F.expand_dims(numpy.zeros((2, 3), numpy.float32), axis)


SQUEEZE_CASES = [((2, 1, 3, 1), None), ((2, 1, 3, 1), 1), ((2, 1, 3, 1), -1),
                 ((2, 1, 3, 1), (1, 3)), ((1,), None), ((1, 1), 0), ((2, 3), None),
                 ((1, 0, 1), None), ((), None)]


@pytest.mark.parametrize('shape,axis', SQUEEZE_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_squeeze_forward(xp, dtype, shape, axis):
    x = _uniform(shape, dtype)
    _exact(F.squeeze(xp.asarray(x), axis), numpy.squeeze(x, axis))


@pytest.mark.parametrize('shape,axis', SQUEEZE_CASES[:6])
@pytest.mark.parametrize('dtype', FLOATS)
def test_squeeze_grads(xp, dtype, shape, axis):
    _check_grads(lambda v: F.squeeze(v, axis), (_uniform(shape, dtype),), dtype, xp)


def test_squeeze_errors():
    x = numpy.zeros((2, 1, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'^squeeze: expected the squeezed axes to have '
                                          r'length 1, got axis=\(1, 2\), x\.shape=\(2, 1, 3\)$'):
        F.squeeze(x, (1, 2))
    with pytest.raises(InvalidType, match=r'^squeeze: expected axis in \[-3, 3\), got axis=3'):
        F.squeeze(x, 3)
    with pytest.raises(ValueError, match=r'^squeeze: repeated axis in axis=\(1, -2\)'):
        F.squeeze(x, (1, -2))


# ----- broadcast ---------------------------------------------------------------------------------

BROADCAST_SHAPES = [((2, 3), (3,)), ((2, 1), (1, 4), (4,)), ((), (2, 2)), ((3,), (3,)),
                    ((0, 1), (1, 5))]


@pytest.mark.parametrize('shapes', BROADCAST_SHAPES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_broadcast_forward(xp, dtype, shapes):
    xs = [_uniform(s, dtype) for s in shapes]
    ys = F.broadcast(*[_var(xp, x) for x in xs])
    assert isinstance(ys, tuple) and len(ys) == len(xs)
    for y, e in zip(ys, numpy.broadcast_arrays(*xs)):
        _exact(y, e)


@pytest.mark.parametrize('shapes', BROADCAST_SHAPES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_broadcast_grads(xp, dtype, shapes):
    xs = [_uniform(s, dtype) for s in shapes]
    _check_grads(F.broadcast, xs, dtype, xp)
    _check_grads(F.broadcast, xs, dtype, xp, no_gy=(0,))


def test_broadcast_single_argument_is_a_variable(xp):
    x = _uniform((2, 3), numpy.float32)
    y = F.broadcast(xp.asarray(x))
    _exact(y, x)
    v = _var(xp, x)
    assert F.broadcast(v) is v


def test_broadcast_gradient_sums(xp):
    a = _var(xp, _uniform((2, 1)))
    b = _var(xp, _uniform((3,)))
    ya, yb = F.broadcast(a, b)
    F.sum(ya * 2 + yb).backward()
    testing.assert_allclose(a.grad, numpy.full((2, 1), 6.0), atol=0, rtol=0)
    testing.assert_allclose(b.grad, numpy.full((3,), 2.0), atol=0, rtol=0)


def test_broadcast_incompatible():
    with pytest.raises(InvalidType, match=r'^broadcast: expected shapes that broadcast '
                                          r'together, got \(2, 3\), \(4,\)$'):
        F.broadcast(numpy.zeros((2, 3)), numpy.zeros(4))


# ----- concat, stack, hstack, vstack, dstack ----------------------------------------------------

CONCAT_CASES = [
    ([(2, 3), (2, 4)], 1),
    ([(2, 3), (5, 3), (1, 3)], 0),
    ([(2, 3, 4), (2, 1, 4)], -2),
    ([(2, 3)], 1),
    ([(3,), (2,)], 0),
    ([(2, 0), (2, 3), (2, 0)], 1),
    ([(1, 1), (1, 1)], -1),
]


@pytest.mark.parametrize('shapes,axis', CONCAT_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_concat_forward(xp, dtype, shapes, axis):
    xs = [_uniform(s, dtype) for s in shapes]
    _exact(F.concat([_var(xp, x) for x in xs], axis), numpy.concatenate(xs, axis))
    _exact(F.concat(tuple(xp.asarray(x) for x in xs), axis), numpy.concatenate(xs, axis))


@pytest.mark.parametrize('shapes,axis', CONCAT_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_concat_grads(xp, dtype, shapes, axis):
    xs = [_uniform(s, dtype) for s in shapes]
    _check_grads(lambda *vs: F.concat(vs, axis), xs, dtype, xp)


def test_concat_default_axis_and_non_contiguous(xp):
    a = _uniform((3, 2)).T
    b = _uniform((2, 4))
    _exact(F.concat((xp.asarray(a), _var(xp, b))), numpy.concatenate((a, b), axis=1))


def test_concat_gradient_splits_and_skips_constants(xp):
    a = _var(xp, _uniform((2, 3)))
    const = xp.asarray(_uniform((2, 1)))
    b = _var(xp, _uniform((2, 2)))
    y = F.concat((a, const, b))
    gy = _uniform((2, 6))
    y.grad = xp.asarray(gy)
    y.backward()
    _exact(dbr.Variable(a.grad), gy[:, :3])
    _exact(dbr.Variable(b.grad), gy[:, 4:])


def test_concat_backward_is_one_split_node(xp):
    a = _var(xp, _uniform((2, 3)))
    b = _var(xp, _uniform((2, 2)))
    y = F.concat((a, b))
    ga, gb = dbr.grad([y], [a, b], [dbr.Variable(xp.ones((2, 5)))],
                      enable_double_backprop=True)
    assert type(ga.creator).__name__ == 'SplitAxis'
    assert ga.creator is gb.creator


@pytest.mark.parametrize('xs,axis,error,pattern', [
    ([(2, 3), (3, 3)], 1, InvalidType,
     r'^concat: expected input shapes equal except on the joined axis 1, got '
     r'x0\.shape=\(2, 3\), x1\.shape=\(3, 3\)$'),
    ([(2, 3), (2,)], 0, InvalidType,
     r'^concat: expected input shapes equal except on the joined axis 0, got '
     r'x0\.shape=\(2, 3\), x1\.shape=\(2,\)$'),
    ([(2, 3), (2, 3)], 2, InvalidType,
     r'^concat: expected axis in \[-2, 2\), got axis=2, x0\.shape=\(2, 3\)$'),
    ([(), ()], 0, InvalidType, r'^concat: expected axis in \[0, 0\), got axis=0'),
    ([], 1, InvalidType, r'^concat: expected at least one input, got no inputs$'),
])
def test_concat_errors(xs, axis, error, pattern):
    with pytest.raises(error, match=pattern):
        F.concat([numpy.zeros(s, numpy.float32) for s in xs], axis)


def test_concat_dtype_mismatch_and_bad_container():
    with pytest.raises(InvalidType, match=r'^concat: expected inputs of one dtype, got '
                                          r'x0\.dtype=float32, x1\.dtype=float64$'):
        F.concat([numpy.zeros((2, 2), numpy.float32), numpy.zeros((2, 2))])
    with pytest.raises(TypeError, match=r'^concat: expected a list or tuple'):
        F.concat(numpy.zeros((2, 2)))


STACK_CASES = [((2, 3), a) for a in range(-3, 3)] + [((), 0), ((0, 2), 1), ((3,), -1)]


@pytest.mark.parametrize('shape,axis', STACK_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_stack_forward(xp, dtype, shape, axis):
    xs = [_uniform(shape, dtype) for _ in range(3)]
    _exact(F.stack([_var(xp, x) for x in xs], axis), numpy.stack(xs, axis))


@pytest.mark.parametrize('shape,axis', STACK_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_stack_grads(xp, dtype, shape, axis):
    xs = [_uniform(shape, dtype) for _ in range(2)]
    _check_grads(lambda *vs: F.stack(vs, axis), xs, dtype, xp)


def test_stack_single_input_and_default_axis(xp):
    x = _uniform((2, 3), numpy.float32)
    _exact(F.stack([xp.asarray(x)]), x[None])
    _check_grads(lambda v: F.stack([v, v]), (x.astype(numpy.float64),), numpy.float64, xp)


def test_stack_errors():
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'^stack: expected inputs of one shape and dtype, '
                                          r'got x0: shape=\(2, 3\), dtype=float32; x1: '
                                          r'shape=\(3, 2\), dtype=float32$'):
        F.stack([a, a.T])
    with pytest.raises(InvalidType, match=r'^stack: expected inputs of one shape and dtype.*'
                                          r'x2: shape=\(2, 3\), dtype=float64$'):
        F.stack([a, a, a.astype(numpy.float64)])
    with pytest.raises(InvalidType, match=r'^stack: expected axis in \[-3, 3\), got axis=3, '
                                          r'x0\.shape=\(2, 3\)$'):
        F.stack([a, a], 3)
    with pytest.raises(InvalidType, match=r'^stack: expected at least one input'):
        F.stack([])


NP_STACKS = {'hstack': numpy.hstack, 'vstack': numpy.vstack, 'dstack': numpy.dstack}
STACKS_CASES = [
    [(), ()],
    [(3,), (2,)],
    [(2,), (2,)],
    [(2, 3), (2, 1)],
    [(2, 3), (4, 3)],
    [(2, 3), (2, 3)],
    [(2, 3, 1), (2, 3, 2)],
    [(1, 3, 4), (2, 3, 4)],
    [(2, 1, 2), (2, 3, 2)],
    [(3,), (2, 3)],
    [(4,)],
]


def _stack_compatible(name, shapes):
    try:
        NP_STACKS[name]([numpy.zeros(s) for s in shapes])
    except ValueError:
        return False
    return True


@pytest.mark.parametrize('shapes', STACKS_CASES)
@pytest.mark.parametrize('name', sorted(NP_STACKS))
@pytest.mark.parametrize('dtype', FLOATS)
def test_hvdstack_forward_and_grads(xp, dtype, name, shapes):
    func = getattr(F, name)
    xs = [_uniform(s, dtype) for s in shapes]
    if not _stack_compatible(name, shapes):
        with pytest.raises(InvalidType, match=fr'^{name}: expected input shapes equal except '
                                              r'on the joined axis'):
            func([xp.asarray(x) for x in xs])
        return
    _exact(func([_var(xp, x) for x in xs]), NP_STACKS[name](xs))
    _check_grads(lambda *vs: func(vs), xs, dtype, xp)


def test_hvdstack_gradient_shapes(xp):
    for name in sorted(NP_STACKS):
        a = _var(xp, _uniform((3,), numpy.float32))
        b = _var(xp, _uniform((3,), numpy.float32))
        F.sum(getattr(F, name)((a, b))).backward()
        assert a.grad.shape == (3,) and b.grad.shape == (3,)
        assert a.grad.dtype == numpy.float32


def test_hvdstack_dtype_error():
    for name in sorted(NP_STACKS):
        with pytest.raises(InvalidType, match=fr'^{name}: expected inputs of one dtype'):
            getattr(F, name)([numpy.zeros(2, numpy.float32), numpy.zeros(2, numpy.float16)])


# ----- split_axis, separate ----------------------------------------------------------------------

SPLIT_CASES = [
    ((6, 2), 3, 0),
    ((2, 6), [1, 4], 1),
    ((2, 6), numpy.array([2, 2, 5]), -1),
    ((2, 6), [0, 6], 1),
    ((2, 6), [-2], 1),
    ((2, 6), (), 1),
    ((4,), 1, 0),
    ((2, 0), 2, 0),
    ((3, 4, 2), [1], 2),
]


def _np_split(x, spec, axis):
    return numpy.split(x, spec, axis)


@pytest.mark.parametrize('shape,spec,axis', SPLIT_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_split_axis_forward(xp, dtype, shape, spec, axis):
    x = _uniform(shape, dtype)
    ys = F.split_axis(_var(xp, x), spec, axis)
    expected = _np_split(x, spec, axis)
    assert isinstance(ys, tuple) and len(ys) == len(expected)
    for y, e in zip(ys, expected):
        _exact(y, e)


@pytest.mark.parametrize('shape,spec,axis', SPLIT_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_split_axis_grads(xp, dtype, shape, spec, axis):
    x = _uniform(shape, dtype)
    _check_grads(lambda v: F.split_axis(v, spec, axis), (x,), dtype, xp)


@pytest.mark.parametrize('dtype', FLOATS)
def test_split_axis_grads_with_unused_outputs(xp, dtype):
    x = _uniform((3, 7), dtype)
    _check_grads(lambda v: F.split_axis(v, [2, 3, 5], 1), (x,), dtype, xp, no_gy=(0, 2))


def test_split_axis_unused_outputs_get_zero_gradient(xp):
    x = _var(xp, _uniform((2, 6)))
    ys = F.split_axis(x, 3, axis=1)
    F.sum(ys[1] * 3).backward()
    expected = numpy.zeros((2, 6))
    expected[:, 2:4] = 3
    _exact(dbr.Variable(x.grad), expected)


def test_split_axis_dropped_output_variable(xp):
    # An output that was garbage-collected before backward gets zeros as well.
    x = _var(xp, _uniform((4, 3)))
    y0 = F.split_axis(x, 2, 0)[0]
    F.sum(y0).backward()
    _exact(dbr.Variable(x.grad), numpy.repeat([[1.0], [0.0]], 2, axis=0) * numpy.ones((4, 3)))


def test_split_axis_force_tuple(xp):
    x = _uniform((2, 3), numpy.float32)
    y = F.split_axis(xp.asarray(x), 1, 1, force_tuple=False)
    _exact(y, x)
    ys = F.split_axis(xp.asarray(x), 1, 1)
    assert isinstance(ys, tuple) and len(ys) == 1
    assert len(F.split_axis(xp.asarray(x), 3, 1, force_tuple=False)) == 3


def test_split_axis_backward_is_one_concat_node(xp):
    x = _var(xp, _uniform((2, 6)))
    ys = F.split_axis(x, 3, 1)
    gx, = dbr.grad([ys[0], ys[2]], [x], [dbr.Variable(xp.ones((2, 2)))] * 2,
                   enable_double_backprop=True)
    assert type(gx.creator).__name__ == 'Concat'


@pytest.mark.parametrize('spec,axis,error,pattern', [
    (4, 1, InvalidType, r'^split_axis: expected a number of sections that divides '
                        r'x\.shape\[1\], got sections=4, x\.shape=\(2, 6\)$'),
    (0, 1, InvalidType, r'^split_axis: expected a number of sections that divides'),
    ([4, 2], 1, InvalidType, r'^split_axis: expected non-decreasing split points in '
                             r'\[0, x\.shape\[1\]\] = \[0, 6\], got indices=\[4, 2\], '
                             r'x\.shape=\(2, 6\)$'),
    ([7], 1, InvalidType, r'^split_axis: expected non-decreasing split points.*indices=\[7\]'),
    ([-7], 1, InvalidType, r'^split_axis: expected non-decreasing split points'),
    (2, 2, InvalidType, r'^split_axis: expected axis in \[-2, 2\), got axis=2'),
    ([1.5], 1, TypeError, r'^split_axis: indices_or_sections must be an int or a 1-D '
                          r'sequence of ints, got \[1\.5\]'),
    ('a', 1, TypeError, r'^split_axis: indices_or_sections must be'),
    ([[1]], 1, TypeError, r'^split_axis: indices_or_sections must be'),
])
def test_split_axis_errors(spec, axis, error, pattern):
    with pytest.raises(error, match=pattern):
        F.split_axis(numpy.zeros((2, 6), numpy.float32), spec, axis)


SEPARATE_CASES = [((3, 2), 0), ((3, 2), 1), ((2, 3, 4), -1), ((4,), 0), ((1, 2), 0),
                  ((0, 2), 0), ((2, 0), 0)]


@pytest.mark.parametrize('shape,axis', SEPARATE_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_separate_forward(xp, dtype, shape, axis):
    x = _uniform(shape, dtype)
    ys = F.separate(_var(xp, x), axis)
    assert isinstance(ys, tuple) and len(ys) == shape[axis]
    for i, y in enumerate(ys):
        _exact(y, numpy.take(x, i, axis=axis))
        assert not isinstance(y.array, numpy.generic)


@pytest.mark.parametrize('shape,axis', [c for c in SEPARATE_CASES if c[0][c[1]]])
@pytest.mark.parametrize('dtype', FLOATS)
def test_separate_grads(xp, dtype, shape, axis):
    x = _uniform(shape, dtype)
    _check_grads(lambda v: F.separate(v, axis), (x,), dtype, xp)
    if shape[axis] > 1:
        _check_grads(lambda v: F.separate(v, axis), (x,), dtype, xp, no_gy=(0,))


def test_separate_stack_round_trip_and_default_axis(xp):
    x = _uniform((3, 2, 2), numpy.float32)
    _exact(F.stack(F.separate(xp.asarray(x))), x)
    _exact(F.stack(F.separate(xp.asarray(x), 2), 2), x)


def test_separate_errors():
    with pytest.raises(InvalidType, match=r'^separate: expected axis in \[-2, 2\), got '
                                          r'axis=2, x\.shape=\(2, 3\)$'):
        F.separate(numpy.zeros((2, 3)), 2)
    with pytest.raises(InvalidType, match=r'^separate: expected axis in \[0, 0\)'):
        F.separate(numpy.zeros(()))


# ----- tile, repeat, flip -------------------------------------------------------------------------

TILE_CASES = [((2, 3), 2), ((2, 3), (2, 1)), ((2, 3), (3, 1, 2)), ((3,), (2, 2)),
              ((2, 1, 3), (1, 2)), ((), 3), ((2, 3), (0, 2)), ((2, 3), ()), ((0, 2), 3)]


@pytest.mark.parametrize('shape,reps', TILE_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_tile_forward(xp, dtype, shape, reps):
    x = _uniform(shape, dtype)
    _exact(F.tile(_var(xp, x), reps), numpy.tile(x, reps))


@pytest.mark.parametrize('shape,reps', TILE_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_tile_grads(xp, dtype, shape, reps):
    _check_grads(lambda v: F.tile(v, reps), (_uniform(shape, dtype),), dtype, xp)


def test_tile_gradient_sums_copies(xp):
    gy = _uniform((4, 6))
    gx = _grad_of(xp, lambda v: F.tile(v, (2, 2)), _uniform((2, 3)), gy)
    expected = gy.reshape(2, 2, 2, 3).sum(axis=(0, 2))
    testing.assert_allclose(gx, expected, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize('reps', [-1, (2, -1), 1.5, 'ab', None])
def test_tile_bad_reps(reps):
    with pytest.raises(TypeError, match=r'^tile: reps must be a non-negative int or a '
                                        r'sequence of them, got '):
        F.tile(numpy.zeros((2, 3)), reps)


REPEAT_CASES = [((2, 3), 2, None), ((2, 3), 2, 1), ((2, 3), (1, 3), 0), ((2, 3), (0, 2, 1), -1),
                ((2, 3), 0, 1), ((3,), (2,), 0), ((2, 3), [1, 2, 0, 1, 1, 3], None),
                ((), 3, None), ((2, 0), 2, 1), ((2, 3, 2), (3, 1), 2)]


@pytest.mark.parametrize('shape,repeats,axis', REPEAT_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_repeat_forward(xp, dtype, shape, repeats, axis):
    x = _uniform(shape, dtype)
    _exact(F.repeat(_var(xp, x), repeats, axis), numpy.repeat(x, repeats, axis))


@pytest.mark.parametrize('shape,repeats,axis', REPEAT_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_repeat_grads(xp, dtype, shape, repeats, axis):
    _check_grads(lambda v: F.repeat(v, repeats, axis), (_uniform(shape, dtype),), dtype, xp)


def test_repeat_gradient_sums_copies(xp):
    gy = _uniform((2, 5))
    gx = _grad_of(xp, lambda v: F.repeat(v, (1, 3, 1), 1), _uniform((2, 3)), gy)
    expected = numpy.stack([gy[:, 0], gy[:, 1:4].sum(1), gy[:, 4]], axis=1)
    testing.assert_allclose(gx, expected, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize('repeats,axis,error,pattern', [
    ((1, 2), 1, ValueError, r'^repeat: expected 1 or x\.shape\[1\]=3 repeats, got 2 '
                            r'\(repeats=\[1, 2\]\)$'),
    (-1, 0, TypeError, r'^repeat: repeats must be a non-negative int or a non-empty '
                       r'sequence of them, got \(-1,\)$'),
    ((), 0, TypeError, r'^repeat: repeats must be'),
    (2, 2, InvalidType, r'^repeat: expected axis in \[-2, 2\), got axis=2, x\.shape=\(2, 3\)$'),
])
def test_repeat_errors(repeats, axis, error, pattern):
    with pytest.raises(error, match=pattern):
        F.repeat(numpy.zeros((2, 3), numpy.float32), repeats, axis)


FLIP_CASES = [((2, 3), 0), ((2, 3), 1), ((2, 3, 4), -1), ((3,), 0), ((0, 2), 0)]


@pytest.mark.parametrize('shape,axis', FLIP_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_flip_forward(xp, dtype, shape, axis):
    x = _uniform(shape, dtype)
    _exact(F.flip(_var(xp, x), axis), numpy.flip(x, axis))


@pytest.mark.parametrize('shape,axis', FLIP_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_flip_grads(xp, dtype, shape, axis):
    _check_grads(lambda v: F.flip(v, axis), (_uniform(shape, dtype),), dtype, xp)


@pytest.mark.parametrize('shape', [(2, 3), (3, 2, 2), (1, 1)])
@pytest.mark.parametrize('dtype', FLOATS)
def test_fliplr_flipud(xp, dtype, shape):
    x = _uniform(shape, dtype)
    _exact(F.fliplr(_var(xp, x)), numpy.fliplr(x))
    _exact(F.flipud(_var(xp, x)), numpy.flipud(x))
    _check_grads(F.fliplr, (x,), dtype, xp)
    _check_grads(F.flipud, (x,), dtype, xp)


def test_flip_errors():
    with pytest.raises(InvalidType, match=r'^flip: expected axis in \[-2, 2\), got axis=2, '
                                          r'x\.shape=\(2, 3\)$'):
        F.flip(numpy.zeros((2, 3)), 2)
    with pytest.raises(InvalidType, match=r'^fliplr: expected x\.ndim >= 2, got x\.ndim=1$'):
        F.fliplr(numpy.zeros(3))
    with pytest.raises(InvalidType, match=r'^flipud: expected x\.ndim >= 1, got x\.ndim=0$'):
        F.flipud(numpy.zeros(()))


# ----- pad, pad_sequence, transpose_sequence -----------------------------------------------------

PAD_CASES = [
    ((2, 3), 1, {}),
    ((2, 3), (1, 2), {}),
    ((2, 3), ((0, 1), (2, 0)), {}),
    ((2, 3), ((1, 1),), {'constant_values': 2.5}),
    ((2, 3), 1, {'constant_values': ((1, 2), (3, 4))}),
    ((3,), [[2, 0]], {'constant_values': -1}),
    ((2, 3), 0, {}),
    ((), 1, {}),
    ((0, 2), 1, {}),
]


@pytest.mark.parametrize('shape,width,kw', PAD_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_pad_forward(xp, dtype, shape, width, kw):
    x = _uniform(shape, dtype)
    expected = numpy.pad(x, width, mode='constant', **kw)
    _exact(F.pad(_var(xp, x), width, 'constant', **kw), expected)


@pytest.mark.parametrize('shape,width,kw', PAD_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_pad_grads(xp, dtype, shape, width, kw):
    _check_grads(lambda v: F.pad(v, width, **kw), (_uniform(shape, dtype),), dtype, xp)


def test_pad_non_contiguous_and_gradient(xp):
    x = _uniform((3, 2)).T
    _exact(F.pad(xp.asarray(x), 1), numpy.pad(x, 1))
    gy = _uniform((4, 5))
    testing.assert_allclose(_grad_of(xp, lambda v: F.pad(v, 1), x, gy), gy[1:3, 1:4],
                            atol=0, rtol=0)


@pytest.mark.parametrize('args,kw,error,pattern', [
    ((1, 'reflect'), {}, ValueError, r"^pad: only mode='constant' is supported, got "
                                     r"mode='reflect'$"),
    ((-1,), {}, ValueError, r'^pad: pad_width must be non-negative ints broadcastable to '
                            r'\(ndim, 2\) = \(2, 2\), got -1$'),
    ((((1, 1), (1, 1), (1, 1)),), {}, ValueError, r'^pad: pad_width must be non-negative'),
    ((1.5,), {}, ValueError, r'^pad: pad_width must be non-negative ints'),
    ((1,), {'end_values': 3}, TypeError, r"^pad: unexpected keyword arguments \['end_values'\]"),
])
def test_pad_errors(args, kw, error, pattern):
    with pytest.raises(error, match=pattern):
        F.pad(numpy.zeros((2, 3), numpy.float32), *args, **kw)


def _np_pad_sequence(xs, length, padding):
    length = max(len(x) for x in xs) if length is None else length
    y = numpy.full((len(xs), length) + xs[0].shape[1:], padding, dtype=xs[0].dtype)
    for i, x in enumerate(xs):
        y[i, :len(x)] = x
    return y


PAD_SEQ_CASES = [
    ([(3, 2), (1, 2), (2, 2)], None, 0),
    ([(3, 2), (1, 2), (2, 2)], 5, -1.5),
    ([(2,), (2,)], None, 0),
    ([(2,), (2,)], 3, 7),
    ([(0, 2), (2, 2)], None, 1),
    ([(4,)], None, 0),
    ([(0,), (0,)], None, 0),
    ([(1, 2, 3), (2, 2, 3)], None, 0),
]


@pytest.mark.parametrize('shapes,length,padding', PAD_SEQ_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_pad_sequence_forward(xp, dtype, shapes, length, padding):
    xs = [_uniform(s, dtype) for s in shapes]
    y = F.pad_sequence([_var(xp, x) for x in xs], length, padding)
    _exact(y, _np_pad_sequence(xs, length, padding))


@pytest.mark.parametrize('shapes,length,padding', PAD_SEQ_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_pad_sequence_grads(xp, dtype, shapes, length, padding):
    xs = [_uniform(s, dtype) for s in shapes]
    _check_grads(lambda *vs: F.pad_sequence(vs, length, padding), xs, dtype, xp)


def test_pad_sequence_int_and_gradient(xp):
    xs = [numpy.array([1, 2, 3]), numpy.array([4])]
    _exact(F.pad_sequence([xp.asarray(x) for x in xs], padding=-1),
           numpy.array([[1, 2, 3], [4, -1, -1]]))
    a = _var(xp, _uniform((3, 2)))
    b = _var(xp, _uniform((1, 2)))
    y = F.pad_sequence((a, b))
    gy = _uniform((2, 3, 2))
    y.grad = xp.asarray(gy)
    y.backward()
    _exact(dbr.Variable(a.grad), gy[0])
    _exact(dbr.Variable(b.grad), gy[1, :1])


def test_pad_sequence_errors():
    f = numpy.float32
    with pytest.raises(InvalidType, match=r'^pad_sequence: expected length >= the longest '
                                          r'sequence, got length=2, longest sequence=3$'):
        F.pad_sequence([numpy.zeros(3, f), numpy.zeros(1, f)], length=2)
    with pytest.raises(InvalidType, match=r'^pad_sequence: expected sequences of one dtype '
                                          r'with equal shapes after the first axis, got '
                                          r'xs\[0\]: shape=\(3, 2\), dtype=float32; xs\[1\]: '
                                          r'shape=\(1, 3\), dtype=float32$'):
        F.pad_sequence([numpy.zeros((3, 2), f), numpy.zeros((1, 3), f)])
    with pytest.raises(InvalidType, match=r'^pad_sequence: expected sequences of one dtype.*'
                                          r'dtype=float64$'):
        F.pad_sequence([numpy.zeros(3, f), numpy.zeros(1)])
    with pytest.raises(InvalidType, match=r'^pad_sequence: expected sequences of at least '
                                          r'one axis, got xs\[0\]\.shape=\(\)$'):
        F.pad_sequence([numpy.zeros((), f)])
    with pytest.raises(ValueError, match=r'^pad_sequence: xs must contain at least one'):
        F.pad_sequence([])


def _np_transpose_sequence(xs):
    steps = len(xs[0]) if xs else 0
    return [numpy.stack([x[t] for x in xs if len(x) > t]) for t in range(steps)]


TRANSPOSE_SEQ_CASES = [
    [(3, 2), (2, 2), (2, 2), (1, 2)],
    [(4,), (2,), (1,)],
    [(2, 3), (2, 3)],
    [(3, 2)],
    [(2, 2), (1, 2), (0, 2)],
    [(1, 2, 2), (1, 2, 2), (1, 2, 2)],
    [(5,), (5,), (1,)],
]


@pytest.mark.parametrize('shapes', TRANSPOSE_SEQ_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_transpose_sequence_forward(xp, dtype, shapes):
    xs = [_uniform(s, dtype) for s in shapes]
    ys = F.transpose_sequence([_var(xp, x) for x in xs])
    expected = _np_transpose_sequence(xs)
    assert isinstance(ys, tuple) and len(ys) == len(expected)
    for y, e in zip(ys, expected):
        _exact(y, e)
    back = F.transpose_sequence(ys)
    for y, x in zip(back, [x for x in xs if len(x)]):
        _exact(y, x)


@pytest.mark.parametrize('shapes', TRANSPOSE_SEQ_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_transpose_sequence_grads(xp, dtype, shapes):
    xs = [_uniform(s, dtype) for s in shapes]
    _check_grads(lambda *vs: F.transpose_sequence(vs), xs, dtype, xp)
    if shapes[0][0] > 1:
        _check_grads(lambda *vs: F.transpose_sequence(vs), xs, dtype, xp, no_gy=(1,))


def test_transpose_sequence_gradient_and_empty(xp):
    a = _var(xp, _uniform((2, 3)))
    b = _var(xp, _uniform((1, 3)))
    c = _var(xp, _uniform((0, 3)))
    y0, y1 = F.transpose_sequence([a, b, c])
    F.sum(y1 * 2).backward()
    _exact(dbr.Variable(a.grad), numpy.array([[0.0] * 3, [2.0] * 3]))
    _exact(dbr.Variable(b.grad), numpy.zeros((1, 3)))
    _exact(dbr.Variable(c.grad), numpy.zeros((0, 3)))
    assert F.transpose_sequence([]) == ()
    assert F.transpose_sequence([xp.zeros((0, 2)), xp.zeros((0, 2))]) == ()


def test_transpose_sequence_errors():
    f = numpy.float32
    with pytest.raises(InvalidType, match=r'^transpose_sequence: expected sequences sorted '
                                          r'by non-increasing length, got lengths \[2, 3, 1\] '
                                          r'\(xs\[1\] is longer than xs\[0\]\)'):
        F.transpose_sequence([numpy.zeros(2, f), numpy.zeros(3, f), numpy.zeros(1, f)])
    with pytest.raises(InvalidType, match=r'^transpose_sequence: expected sequences of one '
                                          r'dtype with equal shapes after the first axis'):
        F.transpose_sequence([numpy.zeros((2, 2), f), numpy.zeros((1, 3), f)])


# ----- select_item, cast, copy --------------------------------------------------------------------

@pytest.mark.parametrize('shape', [(4, 3), (1, 1), (0, 3), (3, 5)])
@pytest.mark.parametrize('dtype', FLOATS16)
def test_select_item_forward(xp, dtype, shape):
    x = _uniform(shape, dtype)
    t = numpy.random.randint(0, shape[1], size=shape[0]).astype(numpy.int32)
    y = F.select_item(_var(xp, x), xp.asarray(t))
    _exact(y, x[numpy.arange(shape[0]), t])


@pytest.mark.parametrize('shape', [(4, 3), (1, 1), (3, 5)])
@pytest.mark.parametrize('dtype', FLOATS)
def test_select_item_grads(xp, dtype, shape):
    x = _uniform(shape, dtype)
    t = numpy.random.randint(0, shape[1], size=shape[0])
    _check_grads(F.select_item, (x, t), dtype, xp)


def test_select_item_gradient_and_variable_labels(xp):
    x = _var(xp, _uniform((3, 4)))
    t = dbr.Variable(xp.asarray(numpy.array([3, 0, 3])), requires_grad=False)
    y = F.select_item(x.T.T, t)
    gy = numpy.array([1.0, 2.0, 3.0])
    y.grad = xp.asarray(gy)
    y.backward()
    expected = numpy.zeros((3, 4))
    expected[[0, 1, 2], [3, 0, 3]] = gy
    _exact(dbr.Variable(x.grad), expected)


@pytest.mark.parametrize('x_shape,t,error,pattern', [
    ((3, 4), numpy.array([0, 4, 1]), ValueError,
     r'^select_item: t must be in \[0, 4\) \(x\.shape\[1\]\), got values in \[0, 4\]$'),
    ((3, 4), numpy.array([0, -1, 1]), ValueError, r'^select_item: t must be in \[0, 4\)'),
    ((3, 4), numpy.array([0, 1]), InvalidType,
     r'^select_item: expected x\.shape\[0\] == t\.shape\[0\], got x\.shape=\(3, 4\), '
     r't\.shape=\(2,\)$'),
    ((3, 4), numpy.zeros(3), InvalidType, r"^select_item: expected t\.dtype\.kind in 'iu'"),
    ((3,), numpy.array([0, 1, 2]), InvalidType, r'^select_item: expected x\.ndim == 2'),
    ((3, 4), numpy.zeros((3, 1), numpy.int32), InvalidType,
     r'^select_item: expected t\.ndim == 1'),
])
def test_select_item_errors(x_shape, t, error, pattern):
    with pytest.raises(error, match=pattern):
        F.select_item(numpy.zeros(x_shape, numpy.float32), t)


@pytest.mark.parametrize('src,dst', [(numpy.float32, numpy.float64),
                                     (numpy.float64, numpy.float32),
                                     (numpy.float32, numpy.float16),
                                     (numpy.float32, numpy.float32)])
def test_cast_forward_and_grad_dtype(xp, src, dst):
    x = _uniform((2, 3), src)
    v = _var(xp, x)
    y = F.cast(v, dst)
    _exact(y, x.astype(dst))
    assert y is not v
    y.grad = xp.ones((2, 3), dst)
    y.backward()
    assert v.grad.dtype == src
    testing.assert_allclose(v.grad, numpy.ones((2, 3)), atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
def test_cast_grads(xp, dtype):
    x = _uniform((3, 2), dtype)
    _check_grads(lambda v: F.cast(v, numpy.float64), (x,), dtype, xp)
    _check_grads(lambda v: F.cast(v, 'f') * 1, (x,), dtype, xp)


def test_cast_same_dtype_without_backprop_and_int(xp):
    x = _var(xp, _uniform((2,), numpy.float32))
    with dbr.no_backprop_mode():
        assert F.cast(x, numpy.float32) is x
        assert F.cast(x, 'f') is x
    _exact(F.cast(xp.asarray(numpy.array([1.7, -2.2])), numpy.int32), numpy.array([1, -2],
                                                                                  numpy.int32))


def test_copy_to_host_is_a_copy_with_gradient(xp):
    x = _uniform((2, 3), numpy.float32)
    v = _var(xp, x)
    for dst in (-1, '@numpy', numpy, None):
        y = F.copy(v, dst)
        assert isinstance(y.array, numpy.ndarray)
        _exact(y, x)
        assert y.array is not v.array
    y = F.copy(v, -1)
    y.grad = numpy.full((2, 3), 2.0, numpy.float32)
    y.backward()
    assert type(v.grad) is type(v.array)
    testing.assert_allclose(v.grad, numpy.full((2, 3), 2.0), atol=0, rtol=0)


def test_copy_grads(xp):
    _check_grads(lambda v: F.copy(v, -1), (_uniform((2, 3)),), numpy.float64, xp)


def test_copy_same_device_does_not_alias():
    x = numpy.zeros(3, numpy.float32)
    y = F.copy(x, '@numpy')
    y.array[0] = 1
    assert x[0] == 0


@pytest.mark.gpu
def test_copy_host_to_gpu_and_back():
    import cupy
    x = _var(numpy, _uniform((2, 3), numpy.float32))
    y = F.copy(x, 0)
    assert isinstance(y.array, cupy.ndarray)
    F.sum(y * 3).backward()
    assert isinstance(x.grad, numpy.ndarray)
    testing.assert_allclose(x.grad, numpy.full((2, 3), 3.0), atol=0, rtol=0)
    gy = cupy.asarray(_uniform((2, 3)))
    gradient_check.check_backward(lambda v: F.copy(v, '@cupy:0'), _uniform((2, 3)), gy)
    gradient_check.check_backward(lambda v: F.copy(v, -1), gy, _uniform((2, 3)))


def test_copy_bad_device():
    with pytest.raises(ValueError, match=r'unknown device spec'):
        F.copy(numpy.zeros(2), '@tpu')


# ----- scatter_add, permutate, diagonal ----------------------------------------------------------

SCATTER_CASES = {
    'int': ((4, 3), 1, (3,)),
    'slice': ((4, 3), (slice(1, 3), slice(None)), (2, 3)),
    'broadcast b': ((4, 3), (slice(None), 0), ()),
    'broadcast b row': ((4, 3), slice(0, 2), (3,)),
    'repeated indices': ((4, 3), numpy.array([0, 2, 0, 0]), (4, 3)),
    'two arrays': ((4, 3), (numpy.array([1, 1, 3]), numpy.array([2, 2, 0])), (3,)),
    'mask': ((4, 3), 'MASK', (5,)),
    'empty': ((4, 3), slice(2, 2), (0, 3)),
}


def _scatter_slices(name, xp):
    s = SCATTER_CASES[name][1]
    if isinstance(s, str):
        mask = numpy.zeros((4, 3), bool)
        mask.ravel()[[0, 4, 5, 9, 11]] = True
        return mask, xp.asarray(mask)
    if isinstance(s, tuple):
        return s, tuple(xp.asarray(a) if isinstance(a, numpy.ndarray) else a for a in s)
    return s, (xp.asarray(s) if isinstance(s, numpy.ndarray) else s)


@pytest.mark.parametrize('name', sorted(SCATTER_CASES))
@pytest.mark.parametrize('dtype', FLOATS16)
def test_scatter_add_forward(xp, dtype, name):
    a_shape, _, b_shape = SCATTER_CASES[name]
    host_s, s = _scatter_slices(name, xp)
    a = _uniform(a_shape, dtype)
    b = _uniform(b_shape, dtype)
    expected = a.copy()
    numpy.add.at(expected, host_s, b)
    va = _var(xp, a)
    y = F.scatter_add(va, s, _var(xp, b))
    assert y.dtype == dtype
    testing.assert_allclose(y.array, expected, atol=1e-3 if dtype == numpy.float16 else 1e-6,
                            rtol=0)
    testing.assert_allclose(va.array, a, atol=0, rtol=0)  # a is untouched


@pytest.mark.parametrize('name', sorted(SCATTER_CASES))
@pytest.mark.parametrize('dtype', FLOATS)
def test_scatter_add_grads(xp, dtype, name):
    a_shape, _, b_shape = SCATTER_CASES[name]
    _, s = _scatter_slices(name, xp)
    _check_grads(lambda a, b: F.scatter_add(a, s, b),
                 (_uniform(a_shape, dtype), _uniform(b_shape, dtype)), dtype, xp)


def test_scatter_add_gradient_of_repeated_index(xp):
    a = _var(xp, _uniform((3,)))
    b = _var(xp, _uniform((4,)))
    y = F.scatter_add(a, [2, 0, 2, 2], b)
    y.grad = xp.asarray(numpy.array([1.0, 2.0, 3.0]))
    y.backward()
    _exact(dbr.Variable(a.grad), numpy.array([1.0, 2.0, 3.0]))
    _exact(dbr.Variable(b.grad), numpy.array([3.0, 1.0, 3.0, 3.0]))


def test_scatter_add_errors():
    a = numpy.zeros((4, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'^scatter_add: expected a\.dtype == b\.dtype, got '
                                          r'a\.dtype=float32, b\.dtype=float64$'):
        F.scatter_add(a, 0, numpy.zeros(3))
    with pytest.raises(InvalidType, match=r'^scatter_add: expected slices valid for a, and b '
                                          r'broadcastable to a\[slices\], got a\.shape=\(4, 3\), '
                                          r'b\.shape=\(2,\)'):
        F.scatter_add(a, 0, numpy.zeros(2, numpy.float32))
    with pytest.raises(InvalidType, match=r'^scatter_add: expected slices valid for a.*'
                                          r'b\.shape=\(3,\), slices=\(5,\)'):
        F.scatter_add(a, 5, numpy.zeros(3, numpy.float32))
    with pytest.raises(InvalidType, match=r'^scatter_add: expected slices valid for a'):
        F.scatter_add(a, numpy.array([0, 4]), numpy.zeros(3, numpy.float32))


PERMUTATE_CASES = [((4, 3), [2, 0, 3, 1], 0), ((4, 3), [1, 2, 0], 1),
                   ((2, 3, 2), [1, 0], -1), ((1,), [0], 0), ((0, 2), [], 0)]


@pytest.mark.parametrize('shape,indices,axis', PERMUTATE_CASES)
@pytest.mark.parametrize('inv', [False, True])
@pytest.mark.parametrize('dtype', FLOATS16)
def test_permutate_forward(xp, dtype, inv, shape, indices, axis):
    x = _uniform(shape, dtype)
    idx = numpy.array(indices, numpy.int32)
    order = numpy.argsort(idx) if inv else idx
    y = F.permutate(_var(xp, x), xp.asarray(idx), axis, inv)
    _exact(y, numpy.take(x, order, axis=axis))


@pytest.mark.parametrize('shape,indices,axis', PERMUTATE_CASES[:4])
@pytest.mark.parametrize('inv', [False, True])
@pytest.mark.parametrize('dtype', FLOATS)
def test_permutate_grads(xp, dtype, inv, shape, indices, axis):
    idx = xp.asarray(numpy.array(indices))
    _check_grads(lambda v: F.permutate(v, idx, axis, inv), (_uniform(shape, dtype),), dtype, xp)


def test_permutate_round_trip_with_variable_indices(xp):
    x = _uniform((5, 2), numpy.float32)
    idx = dbr.Variable(xp.asarray(numpy.array([3, 1, 4, 0, 2])), requires_grad=False)
    y = F.permutate(F.permutate(xp.asarray(x), idx), idx, inv=True)
    _exact(y, x)


@pytest.mark.parametrize('indices,error,pattern', [
    ([0, 0, 1], ValueError, r'^permutate: indices must be a permutation of range\(3\), got '
                            r'\[0, 0, 1\]$'),
    ([0, 3, 1], ValueError, r'^permutate: indices must be a permutation of range\(3\)'),
    ([-1, 0, 1], ValueError, r'^permutate: indices must be a permutation'),
    ([0, 1], InvalidType, r'^permutate: expected indices a 1-D integer array of length '
                          r'x\.shape\[0\], got indices: shape=\(2,\), dtype=int64; '
                          r'x\.shape=\(3, 2\)$'),
    ([0.0, 1.0, 2.0], InvalidType, r'^permutate: expected indices a 1-D integer array'),
])
def test_permutate_errors(indices, error, pattern):
    with pytest.raises(error, match=pattern):
        F.permutate(numpy.zeros((3, 2), numpy.float32), numpy.array(indices))


DIAGONAL_CASES = [((3, 3), 0, 0, 1), ((3, 4), 1, 0, 1), ((4, 3), -2, 0, 1),
                  ((2, 3, 4), 0, 1, 2), ((2, 3, 4), 1, -1, 0), ((3, 3), 0, 1, 0),
                  ((2, 2), 5, 0, 1), ((0, 3), 0, 0, 1)]


@pytest.mark.parametrize('shape,offset,a1,a2', DIAGONAL_CASES)
@pytest.mark.parametrize('dtype', FLOATS16)
def test_diagonal_forward(xp, dtype, shape, offset, a1, a2):
    x = _uniform(shape, dtype)
    _exact(F.diagonal(_var(xp, x), offset, a1, a2), numpy.diagonal(x, offset, a1, a2))


@pytest.mark.parametrize('shape,offset,a1,a2', DIAGONAL_CASES)
@pytest.mark.parametrize('dtype', FLOATS)
def test_diagonal_grads(xp, dtype, shape, offset, a1, a2):
    _check_grads(lambda v: F.diagonal(v, offset, a1, a2), (_uniform(shape, dtype),), dtype, xp)


def test_diagonal_gradient_and_default(xp):
    gy = numpy.array([1.0, 2.0])
    gx = _grad_of(xp, lambda v: F.diagonal(v, 1), _uniform((2, 3)), gy)
    _exact(dbr.Variable(gx), numpy.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]))
    x = _uniform((3, 3)).T
    _exact(F.diagonal(xp.asarray(x)), numpy.diagonal(x))


def test_diagonal_errors():
    with pytest.raises(InvalidType, match=r'^diagonal: expected axis1 and axis2 to be '
                                          r'different axes, got axis1=0, axis2=-2, '
                                          r'x\.shape=\(2, 3\)$'):
        F.diagonal(numpy.zeros((2, 3)), 0, 0, -2)
    with pytest.raises(InvalidType, match=re.escape('diagonal: expected axis2 in [-1, 1), got '
                                                    'axis2=1, x.shape=(3,)')):
        F.diagonal(numpy.zeros(3))
