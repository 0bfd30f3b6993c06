"""Elementwise base-10 logarithm."""
import math

from dbr.functions.math._unary import UnaryElementwise


class Log10(UnaryElementwise):
    """``log10(x)``; its derivative is ``1 / (x log 10)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.log10(x)

    def grad(self, x, y, gy):
        return gy / (x * math.log(10.0))


def log10(x):
    """Returns the base-10 logarithm of ``x`` elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.log10(dbr.Variable(numpy.array([100.], 'f'))).array
        array([2.], dtype=float32)
    """
    return Log10().apply((x,))[0]
