"""Elementwise sine."""
from dbr.functions.math._unary import UnaryElementwise


class Sin(UnaryElementwise):
    """``sin(x)``; its derivative is ``cos(x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.sin(x)

    def grad(self, x, y, gy):
        from dbr.functions.math.cos import cos  # cos imports sin
        return gy * cos(x)


def sin(x):
    """Returns the sine of ``x`` (radians) elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.sin(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Sin().apply((x,))[0]
