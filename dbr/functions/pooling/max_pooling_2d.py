"""Spatial (2-D) max pooling."""
from dbr.functions.pooling.max_pooling_nd import MaxPoolingND, apply_max_pooling


class MaxPooling2D(MaxPoolingND):
    """:class:`MaxPoolingND` over the two spatial axes of ``(n, c, h, w)``."""

    label = 'max_pooling_2d'


def max_pooling_2d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Spatial max pooling over ``(n, c, h, w)`` inputs.

    Each output pixel is the maximum of a ``ksize`` window of its channel; padding never wins
    (it reads as -inf).

    Args:
        x: Variable or array of shape ``(n, c, h, w)``.
        ksize (int or pair of ints): Window size; ``k`` means ``(k, k)``.
        stride (int or pair of ints or None): Window step; None means ``ksize``.
        pad (int or pair of ints): Padding on both sides of each spatial axis.
        cover_all (bool): If True, the output grows so that every input pixel lies in some
            window: output size ``(h + 2p - k + s - 1) // s + 1`` instead of
            ``(h + 2p - k) // s + 1``.
        return_indices (bool): Also return the position of each maximum inside its window
            (``dy * kw + dx``), for :func:`upsampling_2d`.

    Returns:
        The pooled Variable of shape ``(n, c, h_out, w_out)``, or ``(y, indexes)`` with
        ``return_indices``. The gradient goes to one maximal element per window (the first one
        in row-major order on ties).

    Example:
        >>> x = numpy.arange(16, dtype='f').reshape(1, 1, 4, 4)
        >>> F.max_pooling_2d(x, 2).array
        array([[[[ 5.,  7.],
                 [13., 15.]]]], dtype=float32)
    """
    return apply_max_pooling(MaxPooling2D, 'max_pooling_2d', 2, x, ksize, stride, pad,
                             cover_all, return_indices)
