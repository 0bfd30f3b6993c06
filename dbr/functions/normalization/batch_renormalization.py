"""Batch renormalization: batch normalization corrected towards the running statistics."""
import warnings

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.normalization._standardize import channel_axes, upcast
from dbr.functions.normalization.batch_normalization import BatchNormalizationGrad
from dbr.functions.normalization.batch_normalization import running_statistic, update_running
from dbr.functions.normalization.fixed_batch_normalization import fixed_batch_normalization


class BatchRenormalization(FunctionNode):
    """``gamma * (xh * r + d) + beta`` with ``xh`` standardized by the batch statistics.

    ``r = clip(std / running_std, 1/rmax, rmax)`` and ``d = clip((mean - running_mean) /
    running_std, -dmax, dmax)`` are constants of the backward pass (as in the paper), so the
    node is batch normalization with scale ``gamma * r`` and shift ``beta + gamma * d``: its
    backward reuses :class:`BatchNormalizationGrad` on ``gamma * r``.
    """

    check_type_forward = type_check.expects(
        'x, gamma, beta', "x.dtype.kind == 'f'", 'gamma.dtype == x.dtype',
        'beta.dtype == x.dtype', 'beta.shape == gamma.shape')

    def __init__(self, axes, expand, eps, running_mean, running_var, decay, rmax, dmax,
                 update_statistics):
        self.axes = axes
        self.expand = expand
        self.eps = eps
        self.running_mean = running_mean
        self.running_var = running_var
        self.decay = decay
        self.rmax = rmax
        self.dmax = dmax
        self.update_statistics = update_statistics

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        dtype = inputs[0].dtype
        x, gamma, beta = upcast(*inputs)
        xp = backend.get_array_module(x)
        axes = self.axes
        m = x.size // gamma.size if gamma.size else 0
        if m == 0:
            raise ValueError(f'{self.label}: cannot compute statistics over zero elements '
                             f'(x.shape={x.shape}, reduced axes {axes})')
        mean = x.mean(axis=axes, keepdims=True)
        y = x - mean
        var = xp.square(y).mean(axis=axes, keepdims=True)
        std = xp.sqrt(var + self.eps)
        shape = gamma.shape
        ct = x.dtype.type
        running_std = xp.sqrt(self.running_var.astype(x.dtype) + ct(self.eps))
        r = xp.clip(std.reshape(shape) / running_std, ct(1 / self.rmax), ct(self.rmax))
        d = xp.clip((mean.reshape(shape) - self.running_mean.astype(x.dtype)) / running_std,
                    ct(-self.dmax), ct(self.dmax))
        self.r = r.astype(inputs[1].dtype, copy=False)
        self.d = d.astype(inputs[1].dtype, copy=False)
        self.mean = mean
        self.inv_std = 1 / std
        expand = self.expand
        y *= (self.inv_std * (gamma * r).reshape(expand))
        y += (beta + gamma * d).reshape(expand)
        if self.update_statistics:
            update_running(self.running_mean, self.running_var, mean, var, m, self.decay)
        return (y if y.dtype == dtype else y.astype(dtype)),

    def backward(self, indexes, grad_outputs):
        x, gamma = self.get_retained_inputs()
        axes = self.axes
        grad = BatchNormalizationGrad(axes, self.expand, axes, self.eps, self.mean, self.inv_std)
        gx, ggamma_r, gbeta = grad.apply((x, gamma * self.r, grad_outputs[0]))
        # d(gamma * r)/d gamma = r and d(gamma * d)/d gamma = d
        ggamma = ggamma_r * self.r + gbeta * self.d
        return (gx, ggamma, gbeta)


def _statistic(stat, name, gamma):
    if stat is None:
        raise TypeError(f'batch_renormalization: {name} is required')
    return running_statistic(stat, name, gamma, 'batch_renormalization')


def batch_renormalization(x, gamma, beta, rmax, dmax, eps=2e-5, running_mean=None,
                          running_var=None, decay=0.9, update_statistics=False):
    """Batch renormalization: batch normalization pulled towards the running statistics.

    With the batch mean ``mu`` and standard deviation ``sigma = sqrt(var + eps)`` (over every
    axis except the channel axes, which follow the batch axis as in
    :func:`batch_normalization`) and the running ones ``mu_R``, ``sigma_R = sqrt(running_var +
    eps)``, computes::

        r = clip(sigma / sigma_R, 1 / rmax, rmax)
        d = clip((mu - mu_R) / sigma_R, -dmax, dmax)
        y = gamma * ((x - mu) / sigma * r + d) + beta

    where ``r`` and ``d`` are treated as constants by backpropagation. With ``rmax=1`` and
    ``dmax=0`` this is batch normalization. The running statistics are read, and updated in
    place only when ``update_statistics`` is True (unlike :func:`batch_normalization`, which
    always updates what it is given)::

        running_mean = decay * running_mean + (1 - decay) * mu
        running_var = decay * running_var + (1 - decay) * m / max(m - 1, 1) * var

    ``m`` being the number of elements per channel (so the running variance is unbiased). As in
    Chainer, the running variance (not the standard deviation) is averaged, with Bessel's
    correction. See `Batch Renormalization <https://arxiv.org/abs/1702.03275>`_.

    Args:
        x: Float Variable or array ``(N, C, ...)`` for a 1-D ``gamma``.
        gamma: Scale, shaped like the channel axes of ``x``.
        beta: Shift, shaped like ``gamma``.
        rmax (float): Bound of the scale correction ``r`` (``>= 1``).
        dmax (float): Bound of the shift correction ``d`` (``>= 0``).
        eps (float): Added to the variances.
        running_mean: Array of ``gamma``'s shape (required).
        running_var: Array of ``gamma``'s shape (required).
        decay (float): Weight of the old running statistics.
        update_statistics (bool): Update ``running_mean`` and ``running_var`` in place.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Raises:
        TypeError: When ``running_mean`` or ``running_var`` is None.

    Example:
        >>> x = numpy.random.randn(8, 3).astype('f')
        >>> gamma, beta = numpy.ones(3, 'f'), numpy.zeros(3, 'f')
        >>> mean, var = numpy.zeros(3, 'f'), numpy.ones(3, 'f')
        >>> y = F.batch_renormalization(x, gamma, beta, rmax=3., dmax=5., running_mean=mean,
        ...                             running_var=var, update_statistics=True)
        >>> y.shape
        (8, 3)
    """
    label = 'batch_renormalization'
    running_mean = _statistic(running_mean, 'running_mean', gamma)
    running_var = _statistic(running_var, 'running_var', gamma)
    if not rmax >= 1 or not dmax >= 0:
        raise ValueError(f'{label}: rmax must be >= 1 and dmax >= 0, got rmax={rmax!r}, '
                         f'dmax={dmax!r}')
    axes, expand = channel_axes(x, gamma, None, label)
    node = BatchRenormalization(axes, expand, eps, running_mean, running_var, decay, rmax, dmax,
                                update_statistics)
    return node.apply((x, gamma, beta))[0]


def fixed_batch_renormalization(x, gamma, beta, mean, var, eps=2e-5):
    """Deprecated alias of :func:`fixed_batch_normalization` (batch renormalization at test time).

    At inference ``r = 1`` and ``d = 0`` by construction, so batch renormalization normalizes
    with the given statistics exactly as :func:`fixed_batch_normalization` does. Emits a
    DeprecationWarning, as Chainer does.

    Args:
        x: Variable or array.
        gamma: Scale.
        beta: Shift.
        mean: Mean to subtract.
        var: Variance to divide by (after adding ``eps``, under a square root).
        eps (float): Added to the variance.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> x = numpy.random.randn(2, 3).astype('f')
        >>> one, zero = numpy.ones(3, 'f'), numpy.zeros(3, 'f')
        >>> F.fixed_batch_renormalization(x, one, zero, zero, one).shape  # doctest: +SKIP
        (2, 3)
    """
    warnings.warn('fixed_batch_renormalization is deprecated; use fixed_batch_normalization',
                  DeprecationWarning, stacklevel=2)
    return fixed_batch_normalization(x, gamma, beta, mean, var, eps)
