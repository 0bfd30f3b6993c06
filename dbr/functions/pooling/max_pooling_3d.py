"""Three-dimensional max pooling."""
from dbr.functions.pooling.max_pooling_nd import MaxPoolingND, apply_max_pooling


class MaxPooling3D(MaxPoolingND):
    """:class:`MaxPoolingND` over the three spatial axes of ``(n, c, d, h, w)``."""

    label = 'max_pooling_3d'


def max_pooling_3d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Max pooling over the three spatial axes of ``(n, c, d, h, w)`` inputs (volumes, video).

    Each output element is the maximum of a ``ksize`` window of its channel; padding never
    wins (it reads as -inf).

    Args:
        x: Variable or array of shape ``(n, c, d, h, w)``.
        ksize (int or triple of ints): Window size; ``k`` means ``(k, k, k)``.
        stride (int or triple of ints or None): Window step; None means ``ksize``.
        pad (int or triple of ints): Padding on both sides of each spatial axis.
        cover_all (bool): If True, the output grows so that every input element lies in some
            window: output size ``(d + 2p - k + s - 1) // s + 1`` instead of
            ``(d + 2p - k) // s + 1`` along each axis.
        return_indices (bool): Also return the position of each maximum inside its window
            (flat, row-major).

    Returns:
        The pooled Variable, or ``(y, indexes)`` with ``return_indices``. The gradient goes to
        the first maximal element (in row-major order) of each window.

    Example:
        >>> x = numpy.arange(8, dtype='f').reshape(1, 1, 2, 2, 2)
        >>> F.max_pooling_3d(x, 2).array
        array([[[[[7.]]]]], dtype=float32)
    """
    return apply_max_pooling(MaxPooling3D, 'max_pooling_3d', 3, x, ksize, stride, pad,
                             cover_all, return_indices)
