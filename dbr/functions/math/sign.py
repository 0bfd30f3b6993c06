"""Elementwise sign (not differentiable)."""
from dbr.functions.math._unary import constant_elementwise


def sign(x):
    """Returns -1, 0 or 1 by the sign of each element, as a Variable with no gradient.

    The function is piecewise constant, so its gradient is zero almost everywhere; rather
    than pretend otherwise, the result is cut from the graph (``requires_grad`` is False).

    Args:
        x: Variable or array of integers or floats; the result has the same dtype.

    Example:
        >>> F.sign(dbr.Variable(numpy.array([-1.5, 0., 2.], 'f'))).array
        array([-1.,  0.,  1.], dtype=float32)
    """
    return constant_elementwise(x, _sign, 'sign')


def _sign(xp, a):
    return xp.sign(a)
