"""Spatial (2-D) average pooling."""
from dbr.functions.pooling.average_pooling_nd import AveragePoolingND, apply_average_pooling


class AveragePooling2D(AveragePoolingND):
    """:class:`AveragePoolingND` over the two spatial axes of ``(n, c, h, w)``."""

    label = 'average_pooling_2d'


def average_pooling_2d(x, ksize, stride=None, pad=0, pad_value=0):
    """Spatial average pooling over ``(n, c, h, w)`` inputs.

    Each output pixel is the mean of a ``ksize`` window of its channel. With
    ``ksize=x.shape[2:]`` this is global average pooling. As in Chainer, windows never extend
    past the padded input (no cover_all mode).

    Args:
        x: Variable or array of shape ``(n, c, h, w)``.
        ksize (int or pair of ints): Window size; ``k`` means ``(k, k)``.
        stride (int or pair of ints or None): Window step; None means ``ksize``.
        pad (int or pair of ints): Padding on both sides of each spatial axis.
        pad_value (0 or None): With 0 (Chainer's behaviour), padding counts as zeros and every
            window is divided by ``kh * kw``. With None, each window is divided by the number
            of real pixels it covers.

    Returns:
        Variable of shape ``(n, c, h_out, w_out)`` with ``h_out = (h + 2p - k) // s + 1``.

    Example:
        >>> x = numpy.arange(16, dtype='f').reshape(1, 1, 4, 4)
        >>> F.average_pooling_2d(x, 2).array
        array([[[[ 2.5,  4.5],
                 [10.5, 12.5]]]], dtype=float32)
    """
    return apply_average_pooling(AveragePooling2D, 'average_pooling_2d', 2, x, ksize, stride,
                                 pad, pad_value)
