"""Elementwise ``log(1 + x)``, accurate for small ``x``."""
from dbr.functions.math._unary import UnaryElementwise


class Log1p(UnaryElementwise):
    """``log(1 + x)``; its derivative is ``1 / (1 + x)``."""

    uses = 'x'

    def compute(self, xp, x):
        return xp.log1p(x)

    def grad(self, x, y, gy):
        return gy / (x + 1.0)


def log1p(x):
    """Returns ``log(1 + x)`` elementwise, accurate also where ``|x|`` is tiny.

    Args:
        x: Variable or array of floats.

    Example:
        >>> F.log1p(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Log1p().apply((x,))[0]
