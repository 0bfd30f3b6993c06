"""Reparameterized Gaussian sampling."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.noise._random import draw


class Gaussian(FunctionNode):
    """``mean + exp(ln_var / 2) * eps`` with ``eps ~ N(0, 1)`` drawn once in forward."""

    check_type_forward = type_check.expects(
        'mean, ln_var', "mean.dtype.kind == 'f'", 'mean.dtype == ln_var.dtype',
        'mean.shape == ln_var.shape',
        'self.eps is None or self.eps.shape == mean.shape',
        'self.eps is None or self.eps.dtype == mean.dtype')

    def __init__(self, eps=None):
        self.eps = eps

    def forward(self, inputs):
        self.retain_inputs((1,))
        mean, ln_var = inputs
        xp = backend.get_array_module(mean)
        if self.eps is None:
            self.eps = draw(xp, 'standard_normal', mean.shape, mean.dtype)
        y = xp.exp(ln_var * mean.dtype.type(0.5))
        y *= self.eps
        y += mean
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.exp import exp
        gy, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(gy)
            else:
                ln_var, = self.get_retained_inputs()
                # d/d ln_var of exp(ln_var / 2) * eps, with the eps of the forward pass
                ret.append(gy * exp(ln_var * 0.5) * (self.eps * self.eps.dtype.type(0.5)))
        return tuple(ret)


def gaussian(mean, ln_var, **kwargs):
    """Draws a sample of ``N(mean, exp(ln_var))`` differentiably (reparameterization trick).

    The result is ``mean + exp(ln_var / 2) * eps`` with ``eps`` drawn from a standard normal
    distribution once, in the forward pass, and reused by the backward pass. Sampling happens
    in training and test mode alike.

    Args:
        mean: Float Variable or array, the mean.
        ln_var: Variable or array of the same shape and dtype, the log of the variance.
        eps: Keyword only. A precomputed noise array to use instead of drawing one.
        return_eps (bool): Keyword only. Also return the noise used.

    Returns:
        The sample Variable, or ``(sample, eps)`` when ``return_eps`` is True.

    Example:
        >>> mean = dbr.Variable(numpy.zeros(3, 'f'))
        >>> ln_var = dbr.Variable(numpy.zeros(3, 'f'))
        >>> z, eps = F.gaussian(mean, ln_var, return_eps=True)
        >>> bool((z.array == eps).all())
        True
    """
    eps = kwargs.pop('eps', None)
    return_eps = kwargs.pop('return_eps', False)
    if kwargs:
        raise TypeError(f'gaussian: unexpected keyword arguments {sorted(kwargs)}')
    node = Gaussian(eps)
    y = node.apply((mean, ln_var))[0]
    return (y, node.eps) if return_eps else y
