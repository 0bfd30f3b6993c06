"""Elementwise hyperbolic sine."""
from dbr.functions.math._unary import UnaryElementwise


class Sinh(UnaryElementwise):
    """``sinh(x)``; its derivative is ``cosh(x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.sinh(x)

    def grad(self, x, y, gy):
        from dbr.functions.math.cosh import cosh  # cosh imports sinh
        return gy * cosh(x)


def sinh(x):
    """Returns the hyperbolic sine of ``x`` elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.sinh(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Sinh().apply((x,))[0]
