"""One-dimensional average pooling."""
from dbr.functions.pooling.average_pooling_nd import AveragePoolingND, apply_average_pooling


class AveragePooling1D(AveragePoolingND):
    """:class:`AveragePoolingND` over the one spatial axis of ``(n, c, l)``."""

    label = 'average_pooling_1d'


def average_pooling_1d(x, ksize, stride=None, pad=0, pad_value=0):
    """Average pooling over the last axis of ``(n, c, l)`` inputs (sequences, signals).

    Each output element is the mean of a ``ksize`` window of its channel. As in Chainer,
    windows never extend past the padded input (no cover_all mode).

    Args:
        x: Variable or array of shape ``(n, c, l)``.
        ksize (int or 1-tuple of ints): Window size.
        stride (int or 1-tuple of ints or None): Window step; None means ``ksize``.
        pad (int or 1-tuple of ints): Padding on both ends.
        pad_value (0 or None): With 0, padding counts as zeros and every window is divided by
            ``ksize``. With None, each window is divided by the number of real elements it
            covers.

    Returns:
        Variable of shape ``(n, c, l_out)`` with ``l_out = (l + 2p - k) // s + 1``.

    Example:
        >>> x = numpy.array([[[1., 3., 2., 0.]]], 'f')
        >>> F.average_pooling_1d(x, 2).array
        array([[[2., 1.]]], dtype=float32)
    """
    return apply_average_pooling(AveragePooling1D, 'average_pooling_1d', 1, x, ksize, stride,
                                 pad, pad_value)
