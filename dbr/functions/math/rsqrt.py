"""Elementwise reciprocal square root."""
from dbr.functions.math._unary import UnaryElementwise


class Rsqrt(UnaryElementwise):
    """``1 / sqrt(x)``; its derivative is ``-y ** 3 / 2``."""

    uses = 'y'

    def compute(self, xp, x):
        return xp.reciprocal(xp.sqrt(x))

    def grad(self, x, y, gy):
        return gy * (y * y * y) * -0.5


def rsqrt(x):
    """Returns ``1 / sqrt(x)`` elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.rsqrt(dbr.Variable(numpy.array([4.], 'f'))).array
        array([0.5], dtype=float32)
    """
    return Rsqrt().apply((x,))[0]
