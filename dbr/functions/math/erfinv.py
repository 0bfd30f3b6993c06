"""Elementwise inverse error function."""
from dbr.functions.math._special import SQRT_PI_OVER_2, special
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.exp import exp


class ErfInv(UnaryElementwise):
    """``erfinv(x)``; its derivative is ``sqrt(pi) / 2 * exp(y * y)``."""

    label = 'erfinv'
    uses = 'y'

    def compute(self, xp, x):
        return special('erfinv', x)

    def grad(self, x, y, gy):
        return gy * exp(y * y) * SQRT_PI_OVER_2


def erfinv(x):
    """Returns the inverse of the error function elementwise.

    Defined on ``[-1, 1]`` (``-inf`` and ``inf`` at the ends, NaN outside).

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.erfinv(dbr.Variable(numpy.array([0., 0.5]))).array
        array([0.        , 0.47693628])
    """
    return ErfInv().apply((x,))[0]
