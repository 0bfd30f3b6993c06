"""Elementwise inverse cosine."""
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.rsqrt import rsqrt


class Arccos(UnaryElementwise):
    """``arccos(x)``; its derivative is ``-1 / sqrt(1 - x * x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.arccos(x)

    def grad(self, x, y, gy):
        return gy * rsqrt(1.0 - x * x) * -1.0


def arccos(x):
    """Returns the inverse cosine of ``x`` elementwise, in ``[0, pi]``.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.arccos(dbr.Variable(numpy.array([1.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Arccos().apply((x,))[0]
