"""Elementwise inverse complementary error function."""
from dbr.functions.math._special import SQRT_PI_OVER_2, special
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.exp import exp


class ErfcInv(UnaryElementwise):
    """``erfcinv(x)``; its derivative is ``-sqrt(pi) / 2 * exp(y * y)``."""

    label = 'erfcinv'
    uses = 'y'

    def compute(self, xp, x):
        return special('erfcinv', x)

    def grad(self, x, y, gy):
        return gy * exp(y * y) * -SQRT_PI_OVER_2


def erfcinv(x):
    """Returns the inverse of the complementary error function elementwise.

    Defined on ``[0, 2]`` (``inf`` at 0, ``-inf`` at 2, NaN outside); accurate also for tiny
    ``x``, where ``erfinv(1 - x)`` would lose everything to the rounding of ``1 - x``.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.erfcinv(dbr.Variable(numpy.array([1., 1e-10]))).array
        array([0.        , 4.57282497])
    """
    return ErfcInv().apply((x,))[0]
