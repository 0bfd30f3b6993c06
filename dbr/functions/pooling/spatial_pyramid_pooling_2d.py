"""Spatial pyramid pooling: max pooling at several grid resolutions, flattened and joined."""
import numbers

from dbr import type_check
from dbr.functions.array.concat import concat
from dbr.functions.array.reshape import reshape
from dbr.functions.pooling.max_pooling_2d import MaxPooling2D, max_pooling_2d

_LABEL = 'spatial_pyramid_pooling_2d'


def _level_window(size, bins):
    # The smallest window that tiles ``bins`` cells over ``size``, centred by padding.
    k = -(-size // bins)
    return k, (k * bins - size) // 2


def spatial_pyramid_pooling_2d(x, pyramid_height, pooling=None, *, pooling_class=None):
    """Spatial pyramid pooling: a fixed-length feature whatever the input's height and width.

    Level ``i`` (from 0) max-pools ``x`` on a ``2**i x 2**i`` grid: window
    ``k = ceil(size / 2**i)`` and padding ``(2**i * k - size) // 2`` along each spatial axis,
    with ``cover_all``. Each level's result is flattened per sample (channel-major) and the
    levels are concatenated in order.

    Args:
        x: Variable or array of shape ``(n, c, h, w)``.
        pyramid_height (int): Number of levels (>= 1).
        pooling (str): ``'max'``, the only pooling Chainer v7 supports here.
        pooling_class: Chainer v4's spelling: the max pooling class (``F.MaxPooling2D`` style)
            in place of ``pooling='max'``.

    Returns:
        Variable of shape ``(n, c * sum(4**i for i < pyramid_height), 1, 1)`` (when ``h`` and
        ``w`` are at least ``2**(pyramid_height - 1)``).

    Example:
        >>> x = numpy.random.rand(2, 3, 9, 7).astype('f')
        >>> F.spatial_pyramid_pooling_2d(x, 3, pooling='max').shape
        (2, 63, 1, 1)
    """
    if pooling_class is not None:
        if pooling is not None:
            raise TypeError(f'{_LABEL}: give pooling or pooling_class, not both')
        if not (isinstance(pooling_class, type) and issubclass(pooling_class, MaxPooling2D)
                or pooling_class is max_pooling_2d):
            raise ValueError(f'{_LABEL}: only max pooling is supported, got pooling_class='
                             f'{pooling_class!r}')
        pooling = 'max'
    if pooling != 'max':
        raise ValueError(f"{_LABEL}: pooling must be 'max' (the only pooling supported), "
                         f'got {pooling!r}')
    if (isinstance(pyramid_height, bool) or not isinstance(pyramid_height, numbers.Integral)
            or pyramid_height < 1):
        raise ValueError(f'{_LABEL}: pyramid_height must be a positive int, got '
                         f'{pyramid_height!r}')
    if x.ndim != 4:
        raise type_check.InvalidType('x.ndim == 4 (n, c, h, w)', f'x.shape={tuple(x.shape)}',
                                     _LABEL)
    n, _, h, w = x.shape
    ys = []
    for level in range(int(pyramid_height)):
        bins = 2 ** level
        kh, ph = _level_window(h, bins)
        kw, pw = _level_window(w, bins)
        y = max_pooling_2d(x, (kh, kw), None, (ph, pw), True)
        _, c, oh, ow = y.shape
        ys.append(reshape(y, (n, c * oh * ow, 1, 1)))
    return ys[0] if len(ys) == 1 else concat(ys, axis=1)
