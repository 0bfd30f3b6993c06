"""Batch normalization with batch statistics, updating running averages in place."""
from dbr import type_check
from dbr.functions.normalization._standardize import Standardize, channel_axes


class BatchNormalization(Standardize):
    """Standardizes ``x`` with its batch statistics; optionally updates running averages."""

    def __init__(self, axes, expand, eps, running_mean, running_var, decay):
        super().__init__(axes, expand, eps)
        self.running_mean = running_mean
        self.running_var = running_var
        self.decay = decay

    def _update_statistics(self, mean, var, m):
        decay = self.decay
        if self.running_mean is not None:
            r = self.running_mean
            r *= decay
            r += (1 - decay) * mean.reshape(r.shape)
        if self.running_var is not None:
            # The running variance is unbiased (m / (m - 1)); one sample gives no correction.
            r = self.running_var
            r *= decay
            r += ((1 - decay) * m / max(m - 1, 1)) * var.reshape(r.shape)


def _running(stat, name, gamma):
    if stat is None:
        return None
    stat = getattr(stat, 'array', stat)
    if tuple(stat.shape) != tuple(gamma.shape):
        raise type_check.InvalidType(f'{name}.shape == gamma.shape',
                                     f'{name}.shape={tuple(stat.shape)}, '
                                     f'gamma.shape={tuple(gamma.shape)}', 'batch_normalization')
    return stat


def batch_normalization(x, gamma, beta, eps=2e-5, running_mean=None, running_var=None,
                        decay=0.9, axis=None):
    """Batch normalization with the statistics of the current batch.

    Computes ``y = gamma * (x - mean) / sqrt(var + eps) + beta`` where ``mean`` and ``var``
    (biased) are taken over every axis of ``x`` except the channel axes. By default the
    channel axes are the ``gamma.ndim`` axes after the batch axis (axis 1 for a 1-D
    ``gamma``); ``axis`` names the reduced axes instead. Statistics of float16 inputs are
    computed in float32.

    When ``running_mean`` / ``running_var`` are given they are updated in place::

        running_mean = decay * running_mean + (1 - decay) * mean
        running_var = decay * running_var + (1 - decay) * m / max(m - 1, 1) * var

    with ``m`` the number of elements each statistic is taken over (so the running variance
    is unbiased).

    Args:
        x: Variable or array, ``(N, C, ...)`` for a 1-D ``gamma``.
        gamma: Scale, shaped like the channel axes of ``x``.
        beta: Shift, shaped like ``gamma``.
        eps (float): Added to the variance.
        running_mean: Array (of ``gamma``'s shape) updated in place, or None.
        running_var: Array (of ``gamma``'s shape) updated in place, or None.
        decay (float): Weight of the old running averages.
        axis: None, an int or a tuple of ints: the axes the statistics are taken over.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> x = numpy.random.randn(8, 3, 4, 4).astype('f')
        >>> gamma, beta = numpy.ones(3, 'f'), numpy.zeros(3, 'f')
        >>> mean, var = numpy.zeros(3, 'f'), numpy.ones(3, 'f')
        >>> y = F.batch_normalization(x, gamma, beta, running_mean=mean, running_var=var)
        >>> y.shape
        (8, 3, 4, 4)
    """
    label = 'batch_normalization'
    axes, expand = channel_axes(x, gamma, axis, label)
    running_mean = _running(running_mean, 'running_mean', gamma)
    running_var = _running(running_var, 'running_var', gamma)
    node = BatchNormalization(axes, expand, eps, running_mean, running_var, decay)
    return node.apply((x, gamma, beta))[0]
