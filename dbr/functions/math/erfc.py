"""Elementwise complementary error function."""
from dbr.functions.math._special import TWO_OVER_SQRT_PI, special
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.exp import exp


class Erfc(UnaryElementwise):
    """``erfc(x) = 1 - erf(x)``, accurate where it is tiny; its derivative is ``-erf'(x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return special('erfc', x)

    def grad(self, x, y, gy):
        return gy * exp(-(x * x)) * -TWO_OVER_SQRT_PI


def erfc(x):
    """Returns the complementary error function ``1 - erf(x)`` elementwise.

    It keeps its relative accuracy for large ``x``, where ``1 - erf(x)`` rounds to 0.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.erfc(dbr.Variable(numpy.array([0.], 'f'))).array
        array([1.], dtype=float32)
    """
    return Erfc().apply((x,))[0]
