"""Elementwise base-2 logarithm."""
import math

from dbr.functions.math._unary import UnaryElementwise


class Log2(UnaryElementwise):
    """``log2(x)``; its derivative is ``1 / (x log 2)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.log2(x)

    def grad(self, x, y, gy):
        return gy / (x * math.log(2.0))


def log2(x):
    """Returns the base-2 logarithm of ``x`` elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.log2(dbr.Variable(numpy.array([8.], 'f'))).array
        array([3.], dtype=float32)
    """
    return Log2().apply((x,))[0]
