"""Elementwise square."""
from dbr.functions.math._unary import UnaryElementwise


class Square(UnaryElementwise):
    """``x * x``; its derivative is ``2 x``."""

    uses = 'x'

    def compute(self, xp, x):
        return x * x

    def grad(self, x, y, gy):
        return gy * (x * 2.0)


def square(x):
    """Returns ``x * x`` elementwise.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.square(dbr.Variable(numpy.array([-3.], 'f'))).array
        array([9.], dtype=float32)
    """
    return Square().apply((x,))[0]
