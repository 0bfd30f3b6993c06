"""Elementwise inverse hyperbolic tangent."""
from dbr.functions.math._unary import UnaryElementwise


class Arctanh(UnaryElementwise):
    """``arctanh(x)``; its derivative is ``1 / (1 - x * x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.arctanh(x)

    def grad(self, x, y, gy):
        return gy / (1.0 - x * x)


def arctanh(x):
    """Returns the inverse hyperbolic tangent of ``x`` elementwise, for ``-1 < x < 1``.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.arctanh(dbr.Variable(numpy.array([0., 0.5]))).array
        array([0.        , 0.54930614])
    """
    return Arctanh().apply((x,))[0]
