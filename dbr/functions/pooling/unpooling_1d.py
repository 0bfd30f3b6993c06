"""One-dimensional unpooling."""
from dbr.functions.pooling.unpooling_nd import UnpoolingND, apply_unpooling


class Unpooling1D(UnpoolingND):
    """:class:`UnpoolingND` over the one spatial axis of ``(n, c, l)``."""

    label = 'unpooling_1d'


def unpooling_1d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Unpooling over the last axis of ``(n, c, l)`` inputs, the inverse of pooling in shape.

    Every input element is copied into each position of the window that pooling (with the same
    ``ksize``, ``stride``, ``pad`` and ``cover_all``) would read for it; where windows overlap
    the copies add up. With ``stride == ksize`` this repeats each element ``ksize`` times.

    Args:
        x: Variable or array of shape ``(n, c, l)``.
        ksize (int or 1-tuple of ints): Window size.
        stride (int or 1-tuple of ints or None): Window step; None means ``ksize``.
        pad (int or 1-tuple of ints): Padding that pooling would add (cropped from the result).
        outsize (int or 1-tuple of ints or None): Length of the result; None takes
            ``s * (l - 1) + k - 2p`` (minus ``s - 1`` with ``cover_all``). It must pool back to
            ``l``.
        cover_all (bool): The cover_all mode of the pooling being inverted.

    Example:
        >>> F.unpooling_1d(numpy.array([[[1., 2.]]], 'f'), 2, cover_all=False).array
        array([[[1., 1., 2., 2.]]], dtype=float32)
    """
    return apply_unpooling(Unpooling1D, 'unpooling_1d', 1, x, ksize, stride, pad, outsize,
                           cover_all)
