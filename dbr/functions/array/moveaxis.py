"""Move axes to new positions."""
from dbr.functions.array._axis import axis_sequence
from dbr.functions.array.transpose import Transpose


def moveaxis(x, source, destination):
    """Moves axes of ``x`` to new positions; the other axes keep their order.

    Args:
        x: Variable or array.
        source (int or sequence of ints): Original positions of the axes to move.
        destination (int or sequence of ints): Their new positions (as many as ``source``).

    Returns:
        Variable: The array with its axes moved (a view), as :func:`numpy.moveaxis`.

    Example:
        >>> F.moveaxis(numpy.zeros((2, 3, 4), 'f'), 0, -1).shape
        (3, 4, 2)
    """
    ndim = x.ndim
    src = axis_sequence(source, ndim, 'moveaxis', x.shape, 'source')
    dst = axis_sequence(destination, ndim, 'moveaxis', x.shape, 'destination')
    if len(src) != len(dst):
        raise ValueError(f'moveaxis: source and destination must have the same number of '
                         f'axes, got source={source!r}, destination={destination!r}')
    order = [a for a in range(ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Transpose(order).apply((x,))[0]
