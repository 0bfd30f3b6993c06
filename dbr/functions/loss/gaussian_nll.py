"""Negative log-likelihood of a diagonal Gaussian."""
import math

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._simple_loss import check_reduce, elementwise_grad, reduce_elementwise

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class GaussianNLL(FunctionNode):
    """``(ln_var + log(2 pi) + (x - mean)**2 exp(-ln_var)) / 2`` elementwise, then reduced."""

    check_type_forward = type_check.expects(
        'x, mean, ln_var', "x.dtype.kind == 'f'", 'x.dtype == mean.dtype',
        'x.dtype == ln_var.dtype', 'x.shape == mean.shape', 'x.shape == ln_var.shape',
        "self.reduce != 'mean' or x.size > 0")

    def __init__(self, reduce):
        check_reduce('gaussian_nll', reduce, ('sum', 'mean', 'no'))
        self.reduce = reduce

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2))
        x, mean, ln_var = inputs
        xp = backend.get_array_module(x)
        half = x.dtype.type(0.5)
        diff = x - mean
        loss = diff * diff
        loss *= xp.exp(-ln_var)
        loss += ln_var
        loss *= half
        loss += x.dtype.type(_HALF_LOG_2PI)
        return reduce_elementwise(loss, self.reduce),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.exp import exp
        x, mean, ln_var = self.get_retained_inputs()
        g = elementwise_grad(grad_outputs[0], self.reduce, x.size)
        diff = x - mean
        prec = exp(-ln_var)
        ret = []
        gx = None
        for i in indexes:
            if i < 2:
                if gx is None:
                    gx = g * diff * prec
                ret.append(gx if i == 0 else -gx)
            else:
                ret.append(g * (1.0 - diff * diff * prec) * 0.5)
        return tuple(ret)


def gaussian_nll(x, mean, ln_var, reduce='sum'):
    """Negative log-likelihood of ``x`` under the Gaussian ``N(mean, exp(ln_var))``.

    Elementwise ``(log(2 pi) + ln_var + (x - mean)**2 / exp(ln_var)) / 2``.

    Args:
        x: Float Variable or array, the observations.
        mean: Mean, same shape and dtype.
        ln_var: Log of the variance, same shape and dtype.
        reduce (str): ``'sum'``, ``'mean'`` (0-d results) or ``'no'`` (elementwise).

    Example:
        >>> z = numpy.zeros(1, 'f')
        >>> F.gaussian_nll(z, z, z).array  # log(2 pi) / 2
        array(0.9189385, dtype=float32)
    """
    return GaussianNLL(reduce).apply((x, mean, ln_var))[0]
