"""ReLU clipped at 6."""
from dbr.functions.activation.clipped_relu import ClippedReLU


class ReLU6(ClippedReLU):
    """``min(max(x, 0), 6)``."""

    label = 'relu6'


def relu6(x):
    """ReLU6, ``min(max(x, 0), 6)`` elementwise.

    Args:
        x: Variable or array of floats.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> F.relu6(dbr.Variable(numpy.array([-1., 2., 9.], 'f'))).array
        array([0., 2., 6.], dtype=float32)
    """
    return ReLU6(6.0).apply((x,))[0]
