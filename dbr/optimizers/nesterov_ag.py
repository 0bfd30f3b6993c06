"""Nesterov's accelerated gradient."""
from dbr import backend
from dbr.backends._kernels import Elementwise
from dbr.optimizers import _momentum

_kernel = Elementwise(
    'T grad, S lr, S momentum, S momentum_sq, S lr_grad', 'T param, T v',
    '''
    v = v * momentum - grad * lr;
    param += v * momentum_sq;
    param -= grad * lr_grad;
    ''', 'dbr_nesterov_ag')


class NesterovAGRule(_momentum.VelocityRule):
    """``v = momentum * v - lr * g; param += momentum**2 * v - (1 + momentum) * lr * g``.

    This is the look-ahead form of Bengio et al. (arXiv:1212.0901), which needs no gradient at a
    shifted point.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        momentum (float): Decay rate of the velocity.
    """

    def update_core_cpu(self, param):
        hp = self.hyperparam
        lr, momentum = float(hp.lr), float(hp.momentum)
        grad, data, v = param.grad, param.array, self.state['v']
        xp = backend.get_array_module(data)
        buf = grad * lr
        v *= momentum
        v -= buf
        data += xp.multiply(v, momentum * momentum, out=buf)
        data -= xp.multiply(grad, (1 + momentum) * lr, out=buf)

    def update_core_gpu(self, param):
        hp = self.hyperparam
        lr, momentum = float(hp.lr), float(hp.momentum)
        _kernel.get(param.array.dtype)(param.grad, lr, momentum, momentum * momentum,
                                       (1 + momentum) * lr, param.array, self.state['v'])


class NesterovAG(_momentum.VelocityMethod):
    """Nesterov's accelerated gradient (arXiv:1212.0901).

    Args:
        lr (float): Learning rate.
        momentum (float): Decay rate of the velocity.

    Example:
        >>> optimizer = dbr.optimizers.NesterovAG(lr=0.1).setup(model)  # doctest: +SKIP
    """

    rule_class = NesterovAGRule
