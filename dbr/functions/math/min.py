"""Minimum over axes."""
from dbr.functions.math.max import Max


class Min(Max):
    """Minimum of ``x`` over ``axis``; the gradient goes to every minimal element."""

    _reduce = 'min'


def min(x, axis=None, keepdims=False):
    """Minimum of the elements of ``x`` over ``axis``.

    Where several elements share the minimum, each of them gets the output gradient.

    Args:
        x: Variable or array of floats.
        axis: None (all axes), an int or a tuple of ints.
        keepdims (bool): Keep the reduced axes with length 1.

    Example:
        >>> F.min(dbr.Variable(numpy.array([[1., 5.], [4., 2.]], 'f')), axis=1).array
        array([1., 2.], dtype=float32)
    """
    return Min(axis, keepdims).apply((x,))[0]
