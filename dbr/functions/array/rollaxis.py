"""Roll an axis backwards to a given position."""
import numpy

from dbr import type_check
from dbr.functions.array._axis import normalize_axis
from dbr.functions.array.transpose import Transpose


def rollaxis(x, axis, start=0):
    """Moves ``axis`` of ``x`` so that it lies before position ``start``, like
    :func:`numpy.rollaxis`.

    Args:
        x: Variable or array.
        axis (int): The axis to move, in ``[-ndim, ndim)``.
        start (int): The axis moves until it lies before this position, in ``[-ndim, ndim]``.

    Returns:
        Variable: The array with the axis moved (a view).

    Example:
        >>> F.rollaxis(numpy.zeros((2, 3, 4), 'f'), 2).shape
        (4, 2, 3)
    """
    ndim = x.ndim
    axis = normalize_axis(axis, ndim, 'rollaxis', x.shape)
    if not isinstance(start, (int, numpy.integer)) or isinstance(start, bool):
        raise TypeError(f'rollaxis: start must be an int, got {start!r}')
    if not -ndim <= start <= ndim:
        # Unlike an insertion position, a negative start counts from ndim (NumPy's rule).
        raise type_check.InvalidType(f'start in [{-ndim}, {ndim}]',
                                     f'start={start}, x.shape={x.shape}', 'rollaxis')
    start = int(start) + ndim if start < 0 else int(start)
    if axis < start:
        start -= 1
    order = [a for a in range(ndim) if a != axis]
    order.insert(start, axis)
    return Transpose(order).apply((x,))[0]
