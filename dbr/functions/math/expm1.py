"""Elementwise ``exp(x) - 1``, accurate for small ``x``."""
from dbr.functions.math._unary import UnaryElementwise


class Expm1(UnaryElementwise):
    """``exp(x) - 1``; its derivative ``exp(x)`` is ``y + 1``."""

    uses = 'y'

    def compute(self, xp, x):
        return xp.expm1(x)

    def grad(self, x, y, gy):
        return gy * (y + 1.0)


def expm1(x):
    """Returns ``exp(x) - 1`` elementwise, accurate also where ``|x|`` is tiny.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.expm1(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Expm1().apply((x,))[0]
