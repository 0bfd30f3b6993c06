"""Three-dimensional average pooling."""
from dbr.functions.pooling.average_pooling_nd import AveragePoolingND, apply_average_pooling


class AveragePooling3D(AveragePoolingND):
    """:class:`AveragePoolingND` over the three spatial axes of ``(n, c, d, h, w)``."""

    label = 'average_pooling_3d'


def average_pooling_3d(x, ksize, stride=None, pad=0, pad_value=0):
    """Average pooling over the three spatial axes of ``(n, c, d, h, w)`` inputs.

    Each output element is the mean of a ``ksize`` window of its channel. As in Chainer,
    windows never extend past the padded input (no cover_all mode).

    Args:
        x: Variable or array of shape ``(n, c, d, h, w)``.
        ksize (int or triple of ints): Window size; ``k`` means ``(k, k, k)``.
        stride (int or triple of ints or None): Window step; None means ``ksize``.
        pad (int or triple of ints): Padding on both sides of each spatial axis.
        pad_value (0 or None): With 0, padding counts as zeros and every window is divided by
            ``prod(ksize)``. With None, each window is divided by the number of real elements
            it covers.

    Returns:
        Variable of shape ``(n, c, d_out, h_out, w_out)``, each ``(size + 2p - k) // s + 1``.

    Example:
        >>> x = numpy.arange(8, dtype='f').reshape(1, 1, 2, 2, 2)
        >>> F.average_pooling_3d(x, 2).array
        array([[[[[3.5]]]]], dtype=float32)
    """
    return apply_average_pooling(AveragePooling3D, 'average_pooling_3d', 3, x, ksize, stride,
                                 pad, pad_value)
