"""Elementwise inverse of the standard normal cumulative distribution function."""
from dbr.functions.math._special import SQRT_2PI, special
from dbr.functions.math._unary import UnaryElementwise
from dbr.functions.math.exp import exp


class Ndtri(UnaryElementwise):
    """``ndtri(x)``; its derivative is ``sqrt(2 pi) exp(y * y / 2)``."""

    uses = 'y'

    def compute(self, xp, x):
        return special('ndtri', x)

    def grad(self, x, y, gy):
        return gy * exp(y * y * 0.5) * SQRT_2PI


def ndtri(x):
    """Returns the inverse of the standard normal CDF elementwise.

    Defined on ``[0, 1]`` (``-inf`` at 0, ``inf`` at 1, NaN outside).

    Args:
        x: Variable or array of floats (probabilities).

    Example:
        >>> float(F.ndtri(dbr.Variable(numpy.array([0.975]))).array[0])
        1.9599639845400538
    """
    return Ndtri().apply((x,))[0]
