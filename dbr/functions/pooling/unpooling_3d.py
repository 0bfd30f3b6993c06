"""Three-dimensional unpooling."""
from dbr.functions.pooling.unpooling_nd import UnpoolingND, apply_unpooling


class Unpooling3D(UnpoolingND):
    """:class:`UnpoolingND` over the three spatial axes of ``(n, c, d, h, w)``."""

    label = 'unpooling_3d'


def unpooling_3d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Unpooling over the three spatial axes of ``(n, c, d, h, w)``, the inverse of pooling in
    shape.

    Every input element is copied into each position of the window that pooling (with the same
    ``ksize``, ``stride``, ``pad`` and ``cover_all``) would read for it; where windows overlap
    the copies add up. With ``stride == ksize`` this is nearest-neighbour upscaling by
    ``ksize``.

    Args:
        x: Variable or array of shape ``(n, c, d, h, w)``.
        ksize (int or triple of ints): Window size.
        stride (int or triple of ints or None): Window step; None means ``ksize``.
        pad (int or triple of ints): Padding that pooling would add (cropped from the result).
        outsize (triple of ints or None): Spatial shape of the result; None takes
            ``s * (d - 1) + k - 2p`` (minus ``s - 1`` with ``cover_all``) along each axis. It
            must pool back to ``x``'s spatial shape.
        cover_all (bool): The cover_all mode of the pooling being inverted.

    Example:
        >>> x = numpy.ones((1, 1, 1, 1, 2), 'f')
        >>> F.unpooling_3d(x, 2, cover_all=False).shape
        (1, 1, 2, 2, 4)
    """
    return apply_unpooling(Unpooling3D, 'unpooling_3d', 3, x, ksize, stride, pad, outsize,
                           cover_all)
