"""Elementwise logarithm of the standard normal cumulative distribution function."""
from dbr.functions.math._special import LOG_SQRT_2PI, special
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.exp import exp


class LogNdtr(UnaryElementwise):
    """``log(ndtr(x))``; its derivative is ``pdf(x) / ndtr(x) = exp(-x^2/2 - y) / sqrt(2 pi)``."""

    uses = 'xy'

    def compute(self, xp, x):
        return special('log_ndtr', x)

    def grad(self, x, y, gy):
        return gy * exp(x * x * -0.5 - y - LOG_SQRT_2PI)


def log_ndtr(x):
    """Returns ``log(ndtr(x))``, the log of the standard normal CDF, elementwise.

    It is accurate in both tails: finite far below -38, where ``ndtr`` underflows, and
    ``-ndtr(-x)`` (not 0) for large ``x``.

    Args:
        x: Variable or array of floats.

    Example:
        >>> float(F.log_ndtr(dbr.Variable(numpy.array([-40.]))).array[0])
        -804.6084420137538
    """
    return LogNdtr().apply((x,))[0]
