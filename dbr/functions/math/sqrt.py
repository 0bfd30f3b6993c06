"""Elementwise square root."""
from dbr.functions.math._unary import UnaryElementwise


class Sqrt(UnaryElementwise):
    """``sqrt(x)``; its derivative is ``1 / (2 y)``."""

    uses = 'y'

    def compute(self, xp, x):
        return xp.sqrt(x)

    def grad(self, x, y, gy):
        return gy / (y * 2.0)


def sqrt(x):
    """Returns the square root of ``x`` elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.sqrt(dbr.Variable(numpy.array([4.], 'f'))).array
        array([2.], dtype=float32)
    """
    return Sqrt().apply((x,))[0]
