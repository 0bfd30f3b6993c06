"""Floor division (not differentiable)."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.functions.math._binary import as_operands
from dbr.variable import Variable, as_array


def floor_divide(lhs, rhs):
    """Returns ``lhs // rhs`` elementwise as a Variable that needs no gradient.

    Floor division is piecewise constant, so its gradient is zero almost everywhere; the
    result is cut from the graph rather than pretending otherwise.

    Args:
        lhs, rhs: Variables, arrays or scalars.

    Example:
        >>> F.floor_divide(dbr.Variable(numpy.array([7.], 'f')), 2).array
        array([3.], dtype=float32)
    """
    checked = isinstance(lhs, Variable) or isinstance(rhs, Variable)
    if checked:
        # The same operand rules and checks as the differentiable binary ops: a constant takes
        # the Variable's dtype; two Variables must agree in dtype and broadcast together.
        lhs, rhs = as_operands(lhs, rhs, 'floor_divide')
    a, b = as_array(lhs), as_array(rhs)
    if checked:
        if a.dtype != b.dtype:
            raise type_check.InvalidType('x0.dtype == x1.dtype',
                                         f'x0.dtype={a.dtype}, x1.dtype={b.dtype}',
                                         'floor_divide')
        if a.shape != b.shape:
            try:
                numpy.broadcast_shapes(a.shape, b.shape)
            except ValueError:
                raise type_check.InvalidType('shapes that broadcast together',
                                             f'{tuple(a.shape)}, {tuple(b.shape)}',
                                             'floor_divide') from None
    xp = backend.get_array_module(a, b)
    y = xp.floor_divide(a, b)
    return Variable(y if isinstance(y, xp.ndarray) else xp.asarray(y), requires_grad=False)
