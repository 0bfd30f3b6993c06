"""Elementwise Gauss error function."""
from dbr.functions.math._special import TWO_OVER_SQRT_PI, special
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.exp import exp


class Erf(UnaryElementwise):
    """``erf(x)``; its derivative is ``2 / sqrt(pi) * exp(-x * x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return special('erf', x)

    def grad(self, x, y, gy):
        return gy * exp(-(x * x)) * TWO_OVER_SQRT_PI


def erf(x):
    """Returns the error function ``2 / sqrt(pi) * integral(exp(-t * t), 0, x)`` elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.erf(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Erf().apply((x,))[0]
