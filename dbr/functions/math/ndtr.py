"""Elementwise standard normal cumulative distribution function."""
import math

from dbr.functions.math._special import special
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.exp import exp

_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


class Ndtr(UnaryElementwise):
    """``ndtr(x)``; its derivative is the normal density ``exp(-x * x / 2) / sqrt(2 pi)``."""

    uses = 'x'

    def compute(self, xp, x):
        return special('ndtr', x)

    def grad(self, x, y, gy):
        return gy * exp(x * x * -0.5) * _INV_SQRT_2PI


def ndtr(x):
    """Returns the standard normal CDF ``(1 + erf(x / sqrt(2))) / 2`` elementwise.

    It keeps its relative accuracy in the lower tail (down to about -38, where it underflows).

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.ndtr(dbr.Variable(numpy.array([0., -10.]))).array
        array([5.00000000e-01, 7.61985302e-24])
    """
    return Ndtr().apply((x,))[0]
