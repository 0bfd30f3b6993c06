"""Elementwise inverse sine."""
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.rsqrt import rsqrt


class Arcsin(UnaryElementwise):
    """``arcsin(x)``; its derivative is ``1 / sqrt(1 - x * x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.arcsin(x)

    def grad(self, x, y, gy):
        return gy * rsqrt(1.0 - x * x)


def arcsin(x):
    """Returns the inverse sine of ``x`` elementwise, in ``[-pi/2, pi/2]``.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.arcsin(dbr.Variable(numpy.array([1.], 'f'))).array
        array([1.5707964], dtype=float32)
    """
    return Arcsin().apply((x,))[0]
