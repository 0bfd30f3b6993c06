"""Insert a length-1 axis."""
from dbr.functions.array._axis import normalize_axis
from dbr.functions.array.reshape import Reshape


def expand_dims(x, axis):
    """Inserts a new axis of length 1 into ``x`` at position ``axis``.

    Args:
        x: Variable or array.
        axis (int): Position of the new axis in the result, in ``[-ndim - 1, ndim]``.

    Returns:
        Variable: ``x`` viewed with one more axis.

    Example:
        >>> F.expand_dims(numpy.zeros((2, 3), 'f'), 1).shape
        (2, 1, 3)
    """
    shape = x.shape
    axis = normalize_axis(axis, len(shape), 'expand_dims', shape, insert=True)
    return Reshape(shape[:axis] + (1,) + shape[axis:]).apply((x,))[0]
