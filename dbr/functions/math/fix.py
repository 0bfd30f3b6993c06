"""Elementwise rounding toward zero (not differentiable)."""
from dbr.functions.math._unary import constant_elementwise


def fix(x):
    """Rounds each element toward zero, as a Variable with no gradient.

    The function is piecewise constant, so its gradient is zero almost everywhere; rather
    than pretend otherwise, the result is cut from the graph (``requires_grad`` is False).

    Args:
        x: Variable or array of integers or floats; the result has the same dtype.

    Example:
        >>> F.fix(dbr.Variable(numpy.array([-1.5, 1.5], 'f'))).array
        array([-1.,  1.], dtype=float32)
    """
    return constant_elementwise(x, _fix, 'fix')


def _fix(xp, a):
    return xp.trunc(a)
