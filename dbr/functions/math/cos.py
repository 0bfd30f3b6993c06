"""Elementwise cosine."""
from dbr.functions.math._unary import UnaryElementwise


class Cos(UnaryElementwise):
    """``cos(x)``; its derivative is ``-sin(x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.cos(x)

    def grad(self, x, y, gy):
        from dbr.functions.math.sin import sin  # sin imports cos
        return gy * sin(x) * -1.0


def cos(x):
    """Returns the cosine of ``x`` (radians) elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.cos(dbr.Variable(numpy.array([0.], 'f'))).array
        array([1.], dtype=float32)
    """
    return Cos().apply((x,))[0]
