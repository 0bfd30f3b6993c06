"""Elementwise hyperbolic cosine."""
from dbr.functions.math._unary import UnaryElementwise


class Cosh(UnaryElementwise):
    """``cosh(x)``; its derivative is ``sinh(x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.cosh(x)

    def grad(self, x, y, gy):
        from dbr.functions.math.sinh import sinh  # sinh imports cosh
        return gy * sinh(x)


def cosh(x):
    """Returns the hyperbolic cosine of ``x`` elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.cosh(dbr.Variable(numpy.array([0.], 'f'))).array
        array([1.], dtype=float32)
    """
    return Cosh().apply((x,))[0]
