"""Shared pieces of the broadcasting binary operations (add, sub, mul, div, pow)."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.variable import Variable

SCALAR_TYPES = (int, float, numpy.number, numpy.bool_)
_same_dtype = type_check.expects('x0, x1', 'x0.dtype == x1.dtype')


class BinaryElementwise(FunctionNode):
    """A two-input elementwise op with NumPy broadcasting.

    ``forward`` implementations call :meth:`_record_shapes`; ``backward`` passes each
    gradient through :meth:`_reduce` so broadcast inputs get gradients of their own shape.
    """

    _shapes = None

    def check_type_forward(self, in_types):
        _same_dtype(self, in_types)
        x0, x1 = in_types
        if x0.shape != x1.shape:
            type_check.expect_broadcastable(self, x0.shape, x1.shape)

    def _record_shapes(self, x0, x1, y):
        if x0.shape != y.shape or x1.shape != y.shape:
            self._shapes = (x0.shape, x1.shape)

    def _reduce(self, g, i):
        shapes = self._shapes
        if shapes is None or shapes[i] == g.shape:
            return g
        from dbr.functions.math.sum_to import sum_to
        return sum_to(g, shapes[i])


def as_scalar(value):
    """Returns a Python scalar for a Python/NumPy scalar so NumPy keeps the array's dtype."""
    return value.item() if isinstance(value, numpy.generic) else value


def as_operands(lhs, rhs, label):
    """Turns a binary op's operands into two array-or-Variable inputs of one dtype.

    The operand that is not a Variable (a scalar or an array) becomes a constant array of the
    Variable operand's dtype, as Chainer did, so ``x * 2`` and ``x * mask`` keep ``x.dtype``.
    """
    lv = isinstance(lhs, Variable)
    rv = isinstance(rhs, Variable)
    if lv and rv:
        return lhs, rhs
    if not (lv or rv):
        raise TypeError(f'{label}: expected at least one Variable operand, got '
                        f'{type(lhs).__name__} and {type(rhs).__name__}')
    var, const = (lhs, rhs) if lv else (rhs, lhs)
    xp = backend.get_array_module(var._data)
    if isinstance(const, SCALAR_TYPES) or isinstance(const, numpy.ndarray) or \
            backend.is_gpu_array(const):
        const = xp.asarray(const, dtype=var.dtype)
    else:
        raise TypeError(f'{label}: unsupported operand type {type(const).__name__}; expected a '
                        f'Variable, an array or a scalar')
    return (var, const) if lv else (const, var)


def commutative(lhs, rhs, constant_node, node, label):
    """Applies a commutative op: ``constant_node`` when one side is a scalar, else ``node``."""
    if isinstance(rhs, SCALAR_TYPES):
        return constant_node(as_scalar(rhs)).apply((lhs,))[0]
    if isinstance(lhs, SCALAR_TYPES):
        return constant_node(as_scalar(lhs)).apply((rhs,))[0]
    return node().apply(as_operands(lhs, rhs, label))[0]


def fold(binary, xs, label):
    """Reduces two or more operands left to right with ``binary``."""
    if len(xs) < 2:
        raise TypeError(f'{label}: expected at least 2 operands, got {len(xs)}')
    y = binary(xs[0], xs[1])
    for x in xs[2:]:
        y = binary(y, x)
    return y
