"""Flip left/right (axis 1)."""
from dbr import type_check
from dbr.functions.array.flip import Flip


class Fliplr(Flip):
    """Reverses axis 1 of an array of at least two axes."""

    check_type_forward = type_check.expects('x', 'x.ndim >= 2')

    def __init__(self):
        super().__init__(1)


def fliplr(a):
    """Reverses ``a`` along axis 1 (left/right), like :func:`numpy.fliplr`.

    Args:
        a: Variable or array with at least two axes.

    Returns:
        Variable: The flipped array (a view).

    Example:
        >>> F.fliplr(numpy.array([[0., 1.]], 'f')).array
        array([[1., 0.]], dtype=float32)
    """
    return Fliplr().apply((a,))[0]
