"""Elementwise tangent."""
from dbr.functions.math._unary import UnaryElementwise


class Tan(UnaryElementwise):
    """``tan(x)``; its derivative ``1 / cos(x) ** 2`` is ``1 + y * y``."""

    uses = 'y'

    def compute(self, xp, x):
        return xp.tan(x)

    def grad(self, x, y, gy):
        return gy * (y * y + 1.0)


def tan(x):
    """Returns the tangent of ``x`` (radians) elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.tan(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Tan().apply((x,))[0]
