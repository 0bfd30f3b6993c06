"""Batch normalization with given statistics (inference)."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.normalization._standardize import channel_axes, upcast


class FixedBatchNormalization(FunctionNode):
    """``(x - mean) / sqrt(var + eps) * gamma + beta`` with ``mean``/``var`` as inputs."""

    check_type_forward = type_check.expects(
        'x, gamma, beta, mean, var', "x.dtype.kind == 'f'", 'gamma.dtype == x.dtype',
        'beta.dtype == x.dtype', 'mean.dtype == x.dtype', 'var.dtype == x.dtype',
        'beta.shape == gamma.shape', 'mean.shape == gamma.shape', 'var.shape == gamma.shape')

    def __init__(self, expand, eps):
        self.expand = expand
        self.eps = eps

    def forward(self, inputs):
        self.retain_inputs((0, 1, 3, 4))
        dtype = inputs[0].dtype
        x, gamma, beta, mean, var = upcast(*inputs)
        xp = backend.get_array_module(x)
        expand = self.expand
        scale = gamma / xp.sqrt(var + self.eps)
        y = x - mean.reshape(expand)
        y *= scale.reshape(expand)
        y += beta.reshape(expand)
        return (y if y.dtype == dtype else y.astype(dtype)),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum_to import sum_to
        x, gamma, mean, var = self.get_retained_inputs()
        gy, = grad_outputs
        expand = self.expand
        shape = gamma.shape
        s = (var + self.eps) ** -0.5
        out = {}
        if 0 in indexes:
            out[0] = gy * reshape(gamma * s, expand)
        if 2 in indexes or 3 in indexes:
            gbeta = reshape(sum_to(gy, expand), shape)
            out[2] = gbeta
            out[3] = -(gbeta * gamma * s)
        if 1 in indexes or 4 in indexes:
            # sum(gy * (x - mean)): ggamma is it times s, gvar times -gamma * s**3 / 2.
            g_centered = reshape(sum_to(gy * (x - reshape(mean, expand)), expand), shape)
            out[1] = g_centered * s
            out[4] = g_centered * (gamma * s ** 3) * -0.5
        return tuple([out[i] for i in indexes])


def fixed_batch_normalization(x, gamma, beta, mean, var, eps=2e-5, axis=None):
    """Batch normalization with fixed statistics, as used at inference time.

    Computes ``y = gamma * (x - mean) / sqrt(var + eps) + beta``; it is differentiable with
    respect to all five inputs. Channel axes and ``axis`` are as in
    :func:`batch_normalization`; ``mean`` and ``var`` have ``gamma``'s shape.

    Args:
        x: Variable or array.
        gamma: Scale, shaped like the channel axes of ``x``.
        beta: Shift.
        mean: Mean to subtract.
        var: Variance to divide by (after adding ``eps``, under a square root).
        eps (float): Added to the variance.
        axis: None, an int or a tuple of ints: the axes the statistics were taken over.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> x = numpy.random.randn(2, 3).astype('f')
        >>> one, zero = numpy.ones(3, 'f'), numpy.zeros(3, 'f')
        >>> F.fixed_batch_normalization(x, one, zero, zero, one).shape
        (2, 3)
    """
    _, expand = channel_axes(x, gamma, axis, 'fixed_batch_normalization')
    return FixedBatchNormalization(expand, eps).apply((x, gamma, beta, mean, var))[0]
