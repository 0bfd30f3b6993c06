"""Concatenation along an existing axis."""
from dbr.functions.array._axis import normalize_axis
from dbr.functions.array._join import Join, as_inputs


class Concat(Join):
    """Joins arrays of one ndim along ``axis``; the gradient is a :func:`split_axis`."""

    def __init__(self, axis=1):
        self.axis = axis

    def _layout(self, shapes):
        s0 = shapes[0]
        return shapes, normalize_axis(self.axis, len(s0), self.label, s0, arg='x0')


def concat(xs, axis=1):
    """Concatenates Variables or arrays along an existing axis.

    Args:
        xs (list or tuple): Variables or arrays of one dtype, with equal shapes except on
            ``axis``.
        axis (int): The axis to join along (Chainer's default: 1).

    Returns:
        Variable: The concatenation.

    Example:
        >>> a = numpy.zeros((2, 3), 'f'); b = numpy.ones((2, 1), 'f')
        >>> F.concat((a, b)).shape
        (2, 4)
    """
    return Concat(axis).apply(as_inputs(xs, 'concat'))[0]
