"""Elementwise ceiling (not differentiable)."""
from dbr.functions.math._unary import constant_elementwise


def ceil(x):
    """Returns the smallest integer not less than each element, as a Variable with no gradient.

    The function is piecewise constant, so its gradient is zero almost everywhere; rather
    than pretend otherwise, the result is cut from the graph (``requires_grad`` is False).

    Args:
        x: Variable or array of integers or floats; the result has the same dtype.

    Example:
        >>> F.ceil(dbr.Variable(numpy.array([-1.5, 1.5], 'f'))).array
        array([-1.,  2.], dtype=float32)
    """
    return constant_elementwise(x, _ceil, 'ceil')


def _ceil(xp, a):
    return xp.ceil(a)
