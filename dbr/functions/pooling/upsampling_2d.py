"""Spatial upsampling with max-pooling indexes (the inverse of max_pooling_2d in shape)."""
from dbr import backend
from dbr import type_check
from dbr.functions.pooling import _windows
from dbr.functions.pooling.max_pooling_nd import MaxPoolingNDGrad
from dbr.variable import Variable


class Upsampling2D(MaxPoolingNDGrad):
    """Puts each input pixel at the saved position of its window, zeros elsewhere (summing
    where windows overlap); its gradient gathers from those positions."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")
    label = 'upsampling_2d'


def upsampling_2d(x, indexes, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Upsamples ``(n, c, h, w)`` inputs using the indexes of a max pooling.

    Each input pixel is placed at the position inside its pooling window given by
    ``indexes`` (as returned by ``max_pooling_2d(..., return_indices=True)`` with the same
    ``ksize``, ``stride``, ``pad`` and ``cover_all``); every other output pixel is zero.

    Args:
        x: Variable or array of shape ``(n, c, h, w)``.
        indexes: Integer array of ``x``'s shape, each in ``[0, kh * kw)``.
        ksize (int or pair of ints): Window size of the pooling.
        stride (int or pair of ints or None): Window step; None means ``ksize``.
        pad (int or pair of ints): Padding of the pooling (cropped from the result).
        outsize (pair of ints or None): ``(h_out, w_out)``, e.g. the pooled input's spatial
            shape; None takes ``s * (h - 1) + k - 2p`` (minus ``s - 1`` with ``cover_all``).
        cover_all (bool): The cover_all mode of the pooling.

    Example:
        >>> x = numpy.array([[[[1., 5.], [2., 0.]]]], 'f')
        >>> y, idx = F.max_pooling_2d(x, 2, cover_all=False, return_indices=True)
        >>> F.upsampling_2d(y, idx, 2, outsize=(2, 2)).array
        array([[[[0., 5.],
                 [0., 0.]]]], dtype=float32)
    """
    geo = _windows.unpooling_geometry('upsampling_2d', x.shape, 2, ksize, stride, pad,
                                      cover_all, outsize)
    if isinstance(indexes, Variable):
        indexes = indexes.array
    if tuple(indexes.shape) != tuple(x.shape) or indexes.dtype.kind not in 'iu':
        raise ValueError(f'upsampling_2d: indexes must be an integer array of x\'s shape '
                         f'{tuple(x.shape)}, got shape {tuple(indexes.shape)} and dtype '
                         f'{indexes.dtype}')
    if indexes.size:
        xp = backend.get_array_module(indexes)
        lo, hi = (int(v) for v in xp.stack([indexes.min(), indexes.max()]))
        if lo < 0 or hi >= geo.size:
            raise ValueError(f'upsampling_2d: indexes must lie in [0, {geo.size}) for ksize '
                             f'{geo.ksize}, got values in [{lo}, {hi}]')
    return Upsampling2D(geo, indexes).apply((x,))[0]
