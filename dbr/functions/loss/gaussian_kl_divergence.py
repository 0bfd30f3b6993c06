"""KL divergence of a diagonal Gaussian from the standard normal."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._simple_loss import check_reduce, elementwise_grad, reduce_elementwise


class GaussianKLDivergence(FunctionNode):
    """``(mean**2 + exp(ln_var) - ln_var - 1) / 2`` elementwise, then reduced."""

    check_type_forward = type_check.expects(
        'mean, ln_var', "mean.dtype.kind == 'f'", 'mean.dtype == ln_var.dtype',
        'mean.shape == ln_var.shape', "self.reduce != 'mean' or mean.size > 0")

    def __init__(self, reduce):
        check_reduce('gaussian_kl_divergence', reduce, ('sum', 'mean', 'no'))
        self.reduce = reduce

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        mean, ln_var = inputs
        xp = backend.get_array_module(mean)
        loss = mean * mean
        loss += xp.exp(ln_var)
        loss -= ln_var
        loss -= mean.dtype.type(1)
        loss *= mean.dtype.type(0.5)
        return reduce_elementwise(loss, self.reduce),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.exp import exp
        mean, ln_var = self.get_retained_inputs()
        g = elementwise_grad(grad_outputs[0], self.reduce, mean.size)
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(g * mean)
            else:
                ret.append(g * (exp(ln_var) - 1.0) * 0.5)
        return tuple(ret)


def gaussian_kl_divergence(mean, ln_var, reduce='sum'):
    """KL divergence ``KL(N(mean, exp(ln_var)) || N(0, I))`` of a diagonal Gaussian.

    Elementwise ``(mean**2 + exp(ln_var) - ln_var - 1) / 2``; the usual VAE regularizer.

    Args:
        mean: Float Variable or array, the mean.
        ln_var: Variable or array of the same shape and dtype, the log of the variance.
        reduce (str): ``'sum'``, ``'mean'`` (0-d results) or ``'no'`` (elementwise).

    Example:
        >>> z = numpy.zeros((2, 3), 'f')
        >>> F.gaussian_kl_divergence(z, z).array
        array(0., dtype=float32)
    """
    return GaussianKLDivergence(reduce).apply((mean, ln_var))[0]
