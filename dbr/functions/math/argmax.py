"""Index of the maximum along an axis (not differentiable)."""
import numpy

from dbr import backend
from dbr.functions.math._axes import check_nonempty, normalize_axes
from dbr.functions.math._unary import raw_array
from dbr.variable import Variable


def argmax(x, axis=None):
    """Returns the index of the maximum along ``axis`` (of the flattened ``x`` when None).

    The first index wins on ties. The result is an int32 Variable with no gradient.

    Args:
        x: Variable or array.
        axis (int or None): The axis to search.

    Example:
        >>> F.argmax(dbr.Variable(numpy.array([[1., 5.], [4., 2.]], 'f')), axis=1).array
        array([1, 0], dtype=int32)
    """
    return arg_extremum(x, axis, 'argmax')


def arg_extremum(x, axis, label):
    """argmax/argmin of ``x`` along ``axis`` as an int32 Variable, with readable errors."""
    a = raw_array(x, label)
    if axis is not None and not isinstance(axis, (int, numpy.integer)):
        raise TypeError(f'{label}: axis must be None or an int, got {axis!r}')
    axes = normalize_axes(axis, a.shape, label)
    check_nonempty(a, axes, axis, label)
    y = getattr(a, label)(axis=axis)
    return Variable(backend.get_array_module(a).asarray(y, dtype=numpy.int32), requires_grad=False)
