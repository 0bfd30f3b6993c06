"""N-dimensional unpooling: the transpose of window summing."""
from dbr import type_check
from dbr.functions.pooling import _windows
from dbr.functions.pooling.average_pooling_nd import AveragePoolingNDGrad


class UnpoolingND(AveragePoolingNDGrad):
    """Copies each input element into every position of its window, summing where windows
    overlap; its gradient is the window sum."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, geo):
        super().__init__(geo, None)


def apply_unpooling(node_class, label, nd, x, ksize, stride, pad, outsize, cover_all):
    """Shared body of ``unpooling_2d`` and ``unpooling_nd``."""
    geo = _windows.unpooling_geometry(label, x.shape, nd, ksize, stride, pad, cover_all, outsize)
    return node_class(geo).apply((x,))[0]


def unpooling_nd(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """N-dimensional unpooling, the inverse of pooling in shape.

    Every input element is copied into each position of the window that pooling (with the same
    ``ksize``, ``stride``, ``pad`` and ``cover_all``) would read for it; where windows overlap
    the copies add up. With ``stride == ksize`` this repeats each element ``ksize`` times
    along every spatial axis.

    Args:
        x: Variable or array of shape ``(n, c, d_1, ..., d_N)``, N >= 1.
        ksize (int or tuple of ints): Window size.
        stride (int or tuple of ints or None): Window step; None means ``ksize``.
        pad (int or tuple of ints): Padding that pooling would add (cropped from the result).
        outsize (tuple of ints or None): Spatial shape of the result; None takes
            ``s * (d - 1) + k - 2p`` (minus ``s - 1`` with ``cover_all``). It must pool back to
            ``x``'s spatial shape.
        cover_all (bool): The cover_all mode of the pooling being inverted.

    Example:
        >>> F.unpooling_nd(numpy.array([[[1., 2.]]], 'f'), 2, cover_all=False).array
        array([[[1., 1., 2., 2.]]], dtype=float32)
    """
    return apply_unpooling(UnpoolingND, 'unpooling_nd', None, x, ksize, stride, pad, outsize,
                           cover_all)
