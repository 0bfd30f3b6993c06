"""Flip up/down (axis 0)."""
from dbr import type_check
from dbr.functions.array.flip import Flip


class Flipud(Flip):
    """Reverses axis 0 of an array of at least one axis."""

    check_type_forward = type_check.expects('x', 'x.ndim >= 1')

    def __init__(self):
        super().__init__(0)


def flipud(a):
    """Reverses ``a`` along axis 0 (up/down), like :func:`numpy.flipud`.

    Args:
        a: Variable or array with at least one axis.

    Returns:
        Variable: The flipped array (a view).

    Example:
        >>> F.flipud(numpy.array([[0.], [1.]], 'f')).array
        array([[1.],
               [0.]], dtype=float32)
    """
    return Flipud().apply((a,))[0]
