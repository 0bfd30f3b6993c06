"""Elementwise minimum of two operands, with broadcasting."""
from dbr.functions.math._binary import as_operands
from dbr.functions.math.maximum import Maximum


class Minimum(Maximum):
    """``min(x1, x2)`` with NumPy broadcasting; on ties the gradient goes to ``x1``."""

    _ufunc = 'minimum'

    def _first_wins(self, x1, x2):
        return x1 <= x2


def minimum(x1, x2):
    """Elementwise minimum of ``x1`` and ``x2``, with broadcasting.

    Where the two are equal, the whole gradient goes to ``x1`` (as in Chainer).

    Args:
        x1, x2: Variables, arrays or scalars of one float dtype; at least one must be a
            Variable. A non-Variable operand is a constant of the Variable's dtype.

    Example:
        >>> F.minimum(dbr.Variable(numpy.array([1., 4.], 'f')), numpy.array([3., 2.], 'f')).array
        array([1., 2.], dtype=float32)
    """
    return Minimum().apply(as_operands(x1, x2, 'minimum'))[0]
