"""Elementwise digamma function."""
from dbr.functions.math._special import special
from dbr.functions.math._unary import UnaryElementwise


class Digamma(UnaryElementwise):
    """``psi(x) = d/dx log Gamma(x)``; its derivative is ``polygamma(1, x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return special('digamma', x)

    def grad(self, x, y, gy):
        from dbr.functions.math.polygamma import polygamma
        return gy * polygamma(1, x)


def digamma(x):
    """Returns the digamma function ``d/dx log Gamma(x)`` elementwise.

    NaN at the negative integers; ``-inf`` at 0.

    Args:
        x: Variable or array of floats.

    Example:
        >>> float(F.digamma(dbr.Variable(numpy.array([1.]))).array[0])  # -Euler's gamma
        -0.5772156649015329
    """
    return Digamma().apply((x,))[0]
