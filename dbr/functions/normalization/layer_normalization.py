"""Layer normalization: standardize each sample over its feature axes."""
from dbr import type_check
from dbr.functions.normalization._standardize import Standardize


class LayerNormalization(Standardize):
    """Statistics over the trailing ``gamma.ndim`` axes; ``gamma``/``beta`` per element."""


def layer_normalization(x, gamma, beta, eps=1e-5):
    """Layer normalization.

    Each sample is standardized over its features and then scaled and shifted:
    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``, with ``mean`` and ``var`` (biased)
    taken per sample. As in Chainer, ``x`` is usually ``(batch, units)`` with 1-D ``gamma``.
    More generally the statistics run over the last ``gamma.ndim`` axes of ``x``, whose shape
    must equal ``gamma.shape`` (e.g. ``(batch, time, units)`` with ``gamma`` of ``(units,)``
    normalizes every position). Statistics of float16 inputs are computed in float32.

    Args:
        x: Variable or array with more axes than ``gamma``.
        gamma: Scale, shaped like the trailing axes of ``x``.
        beta: Shift, shaped like ``gamma``.
        eps (float): Added to the variance.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> x = numpy.random.randn(4, 10).astype('f')
        >>> y = F.layer_normalization(x, numpy.ones(10, 'f'), numpy.zeros(10, 'f'))
        >>> numpy.allclose(y.array.mean(axis=1), 0, atol=1e-6)
        True
    """
    k = gamma.ndim
    if not 1 <= k < x.ndim or tuple(x.shape[x.ndim - k:]) != tuple(gamma.shape):
        raise type_check.InvalidType(
            'x.ndim > gamma.ndim >= 1 and x.shape ending with gamma.shape',
            f'x.shape={tuple(x.shape)}, gamma.shape={tuple(gamma.shape)}',
            'layer_normalization')
    ndim = x.ndim
    axes = tuple(range(ndim - k, ndim))
    expand = (1,) * (ndim - k) + tuple(gamma.shape)
    return LayerNormalization(axes, expand, eps).apply((x, gamma, beta))[0]
