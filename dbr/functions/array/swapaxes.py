"""Interchange two axes."""
from dbr.functions.array._axis import normalize_axis
from dbr.functions.array.transpose import Transpose


def swapaxes(x, axis1, axis2):
    """Interchanges two axes of ``x``.

    Args:
        x: Variable or array.
        axis1, axis2 (int): The axes to swap (negative values count from the end).

    Returns:
        Variable: ``x`` with ``axis1`` and ``axis2`` swapped (a view).

    Example:
        >>> F.swapaxes(numpy.zeros((2, 3, 4), 'f'), 0, 2).shape
        (4, 3, 2)
    """
    ndim = x.ndim
    a = normalize_axis(axis1, ndim, 'swapaxes', x.shape, 'axis1')
    b = normalize_axis(axis2, ndim, 'swapaxes', x.shape, 'axis2')
    axes = list(range(ndim))
    axes[a], axes[b] = b, a
    return Transpose(axes).apply((x,))[0]
