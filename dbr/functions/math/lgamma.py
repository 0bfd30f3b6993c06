"""Elementwise log-gamma function."""
from dbr.functions.math._special import special
from dbr.functions.math._unary import UnaryElementwise


class Lgamma(UnaryElementwise):
    """``log|Gamma(x)|``; its derivative is ``digamma(x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return special('lgamma', x)

    def grad(self, x, y, gy):
        from dbr.functions.math.digamma import digamma
        return gy * digamma(x)


def lgamma(x):
    """Returns ``log|Gamma(x)|`` elementwise (``inf`` at 0, -1, -2, ...).

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.lgamma(dbr.Variable(numpy.array([1., 5., 0.5]))).array
        array([0.        , 3.17805383, 0.57236494])
    """
    return Lgamma().apply((x,))[0]
