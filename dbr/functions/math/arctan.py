"""Elementwise inverse tangent."""
from dbr.functions.math._unary import UnaryElementwise


class Arctan(UnaryElementwise):
    """``arctan(x)``; its derivative is ``1 / (1 + x * x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.arctan(x)

    def grad(self, x, y, gy):
        return gy / (x * x + 1.0)


def arctan(x):
    """Returns the inverse tangent of ``x`` elementwise, in ``(-pi/2, pi/2)``.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.arctan(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Arctan().apply((x,))[0]
