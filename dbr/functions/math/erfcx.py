"""Elementwise scaled complementary error function."""
from dbr.functions.math._special import TWO_OVER_SQRT_PI, special
from dbr.functions.math._unary import UnaryElementwise


class Erfcx(UnaryElementwise):
    """``exp(x * x) * erfc(x)``; its derivative is ``2 x y - 2 / sqrt(pi)``."""

    uses = 'xy'

    def compute(self, xp, x):
        return special('erfcx', x)

    def grad(self, x, y, gy):
        return gy * (x * y * 2.0 - TWO_OVER_SQRT_PI)


def erfcx(x):
    """Returns the scaled complementary error function ``exp(x**2) * erfc(x)`` elementwise.

    It stays finite (about ``1 / (x sqrt(pi))``) for large ``x``, where ``erfc`` underflows;
    it overflows to ``inf`` below about -26.6.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.erfcx(dbr.Variable(numpy.array([0., 30.]))).array
        array([1.        , 0.01879589])
    """
    return Erfcx().apply((x,))[0]
