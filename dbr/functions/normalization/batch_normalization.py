"""Batch normalization with batch statistics, updating running averages in place."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.backends._kernels import Elementwise, Reduction, compute_dtype
from dbr.functions.normalization._standardize import Standardize, StandardizeGrad, channel_axes


_ndarray = numpy.ndarray  # the CPU check on every call: one global lookup


# GPU kernels. Statistics and arithmetic run in S (float32 for float16 data, as the NumPy path
# upcasts); the per-channel factors are precomputed on the small arrays, so every full-size
# array is read once per kernel and no full-size temporary is made.
_var_kernel = Reduction(
    'T x, S mean', 'S var', '((S)x - mean) * ((S)x - mean)', 'a + b',
    'var = a / (S)(_in_ind.size() / _out_ind.size())', '0', 'dbr_bn_var', 'S')
_normalize_kernel = Elementwise(
    'T x, S mean, S scale, S beta', 'T y', 'y = ((S)x - mean) * scale + beta',
    'dbr_bn_normalize')
_ggamma_kernel = Reduction(
    'T gy, T x, S mean, S inv_std', 'S ggamma', '(S)gy * (((S)x - mean) * inv_std)', 'a + b',
    'ggamma = a', '0', 'dbr_bn_ggamma', 'S')
_gx_kernel = Elementwise(
    'T gy, T x, S mean, S inv_std, S ggamma_m, S gbeta_m, S gamma_inv_std', 'T gx',
    '''
    const S xh = ((S)x - mean) * inv_std;
    gx = ((S)gy - (xh * ggamma_m + gbeta_m)) * gamma_inv_std;
    ''', 'dbr_bn_grad')


def _count(shape, axes):
    m = 1
    for i in axes:
        m *= shape[i]
    return m


class BatchNormalization(Standardize):
    """Standardizes ``x`` with its batch statistics; optionally updates running averages."""

    def __init__(self, axes, expand, eps, running_mean, running_var, decay):
        super().__init__(axes, expand, eps)
        self.running_mean = running_mean
        self.running_var = running_var
        self.decay = decay

    def forward(self, inputs):
        x = inputs[0]
        if x.__class__ is not _ndarray and backend.is_gpu_array(x):
            return self.forward_gpu(inputs)
        return super().forward(inputs)

    def forward_gpu(self, inputs):
        self.retain_inputs((0, 1))
        x, gamma, beta = inputs
        xp = backend.get_array_module(x)
        s = compute_dtype(x.dtype)
        m = _count(x.shape, self.axes)
        if m == 0:
            raise ValueError(f'{self.label}: cannot compute statistics over zero elements '
                             f'(x.shape={x.shape}, reduced axes {self.axes})')
        mean = x.mean(axis=self.axes, dtype=s, keepdims=True)
        var = _var_kernel.get(x.dtype)(x, mean, axis=self.axes, keepdims=True)
        self._update_statistics(mean, var, m)
        inv_std = 1 / xp.sqrt(var + self.eps)
        self.mean = mean
        self.inv_std = inv_std
        scale = inv_std * gamma.astype(s, copy=False).reshape(self.expand)
        y = _normalize_kernel.get(x.dtype)(
            x, mean, scale, beta.astype(s, copy=False).reshape(self.expand))
        return y,

    def backward(self, indexes, grad_outputs):
        x, gamma = self.get_retained_inputs()
        grad = BatchNormalizationGrad(self.axes, self.expand, self.param_axes, self.eps,
                                      self.mean, self.inv_std)
        return grad.apply((x, gamma, grad_outputs[0]))

    def _update_statistics(self, mean, var, m):
        update_running(self.running_mean, self.running_var, mean, var, m, self.decay)


def update_running(running_mean, running_var, mean, var, m, decay):
    """Moves the running averages (either may be None) in place towards the statistics
    ``mean`` and ``var`` of a batch with ``m`` elements per channel."""
    if running_mean is not None:
        running_mean *= decay
        running_mean += (1 - decay) * mean.reshape(running_mean.shape)
    if running_var is not None:
        # The running variance is unbiased (m / (m - 1)); one sample gives no correction.
        running_var *= decay
        running_var += ((1 - decay) * m / max(m - 1, 1)) * var.reshape(running_var.shape)


class BatchNormalizationGrad(StandardizeGrad):
    """:class:`StandardizeGrad` with the first-order pass fused into three kernels on a GPU.

    Its own backward (double backprop) is StandardizeGrad's, made of dbr functions.
    """

    def forward(self, inputs):
        x = inputs[0]
        if (x.__class__ is not _ndarray and backend.is_gpu_array(x)
                and self.param_axes == self.axes):
            return self.forward_gpu(inputs)
        return super().forward(inputs)

    def forward_gpu(self, inputs):
        self.retain_inputs((0, 1, 2))
        x, gamma, gy = inputs
        s = compute_dtype(x.dtype)
        axes = self.axes
        gbeta = gy.sum(axis=axes, dtype=s, keepdims=True)
        ggamma = _ggamma_kernel.get(x.dtype)(gy, x, self.mean, self.inv_std, axis=axes,
                                             keepdims=True)
        inv_m = 1.0 / _count(x.shape, axes)
        gamma_inv_std = gamma.astype(s, copy=False).reshape(self.expand) * self.inv_std
        gx = _gx_kernel.get(x.dtype)(gy, x, self.mean, self.inv_std, ggamma * inv_m,
                                     gbeta * inv_m, gamma_inv_std)
        shape = gamma.shape
        return (gx,
                ggamma.reshape(shape).astype(gamma.dtype, copy=False),
                gbeta.reshape(shape).astype(gamma.dtype, copy=False))


def running_statistic(stat, name, gamma, label='batch_normalization'):
    """The array of the running statistic ``stat`` (Variable, array or None), checked to have
    ``gamma``'s shape."""
    if stat is None:
        return None
    stat = getattr(stat, 'array', stat)
    if tuple(stat.shape) != tuple(gamma.shape):
        raise type_check.InvalidType(f'{name}.shape == gamma.shape',
                                     f'{name}.shape={tuple(stat.shape)}, '
                                     f'gamma.shape={tuple(gamma.shape)}', label)
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
    running_mean = running_statistic(running_mean, 'running_mean', gamma)
    running_var = running_statistic(running_var, 'running_var', gamma)
    node = BatchNormalization(axes, expand, eps, running_mean, running_var, decay)
    return node.apply((x, gamma, beta))[0]
