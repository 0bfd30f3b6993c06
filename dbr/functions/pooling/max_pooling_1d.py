"""One-dimensional max pooling."""
from dbr.functions.pooling.max_pooling_nd import MaxPoolingND, apply_max_pooling


class MaxPooling1D(MaxPoolingND):
    """:class:`MaxPoolingND` over the one spatial axis of ``(n, c, l)``."""

    label = 'max_pooling_1d'


def max_pooling_1d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Max pooling over the last axis of ``(n, c, l)`` inputs (sequences, signals).

    Each output element is the maximum of a ``ksize`` window of its channel; padding never
    wins (it reads as -inf).

    Args:
        x: Variable or array of shape ``(n, c, l)``.
        ksize (int or 1-tuple of ints): Window size.
        stride (int or 1-tuple of ints or None): Window step; None means ``ksize``.
        pad (int or 1-tuple of ints): Padding on both ends.
        cover_all (bool): If True, the output grows so that every input element lies in some
            window: output length ``(l + 2p - k + s - 1) // s + 1`` instead of
            ``(l + 2p - k) // s + 1``.
        return_indices (bool): Also return the position of each maximum inside its window.

    Returns:
        The pooled Variable of shape ``(n, c, l_out)``, or ``(y, indexes)`` with
        ``return_indices``. The gradient goes to the first maximal element of each window.

    Example:
        >>> x = numpy.array([[[1., 3., 2., 0., 5.]]], 'f')
        >>> F.max_pooling_1d(x, 2).array
        array([[[3., 2., 5.]]], dtype=float32)
    """
    return apply_max_pooling(MaxPooling1D, 'max_pooling_1d', 1, x, ksize, stride, pad,
                             cover_all, return_indices)
