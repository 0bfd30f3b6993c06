"""Spatial (2-D) unpooling."""
from dbr.functions.pooling.unpooling_nd import UnpoolingND, apply_unpooling


class Unpooling2D(UnpoolingND):
    """:class:`UnpoolingND` over the two spatial axes of ``(n, c, h, w)``."""

    label = 'unpooling_2d'


def unpooling_2d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Spatial unpooling over ``(n, c, h, w)`` inputs, the inverse of pooling in shape.

    Every input pixel is copied into each position of the window that pooling (with the same
    ``ksize``, ``stride``, ``pad`` and ``cover_all``) would read for it; where windows overlap
    the copies add up. With ``stride == ksize`` this is nearest-neighbour upscaling by
    ``ksize``.

    Args:
        x: Variable or array of shape ``(n, c, h, w)``.
        ksize (int or pair of ints): Window size.
        stride (int or pair of ints or None): Window step; None means ``ksize``.
        pad (int or pair of ints): Padding that pooling would add (cropped from the result).
        outsize (pair of ints or None): ``(h_out, w_out)``; None takes
            ``s * (h - 1) + k - 2p`` (minus ``s - 1`` with ``cover_all``). It must pool back to
            ``(h, w)``.
        cover_all (bool): The cover_all mode of the pooling being inverted.

    Example:
        >>> x = numpy.array([[[[1., 2.], [3., 4.]]]], 'f')
        >>> F.unpooling_2d(x, 2, cover_all=False).array
        array([[[[1., 1., 2., 2.],
                 [1., 1., 2., 2.],
                 [3., 3., 4., 4.],
                 [3., 3., 4., 4.]]]], dtype=float32)
    """
    return apply_unpooling(Unpooling2D, 'unpooling_2d', 2, x, ksize, stride, pad, outsize,
                           cover_all)
