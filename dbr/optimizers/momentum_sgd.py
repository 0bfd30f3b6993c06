"""Classical momentum SGD."""
from dbr.backends._kernels import Elementwise
from dbr.optimizers import _momentum

_kernel = Elementwise('T grad, S lr, S momentum', 'T param, T v',
                      'v = momentum * v - lr * grad; param += v', 'dbr_momentum_sgd')


class MomentumSGDRule(_momentum.VelocityRule):
    """``v = momentum * v - lr * grad; param += v``.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        momentum (float): Decay rate of the velocity.
    """

    def update_core_cpu(self, param):
        hp = self.hyperparam
        v = self.state['v']
        v *= float(hp.momentum)
        v -= float(hp.lr) * param.grad
        data = param.array
        data += v

    def update_core_gpu(self, param):
        hp = self.hyperparam
        _kernel.get(param.array.dtype)(param.grad, hp.lr, hp.momentum, param.array,
                                       self.state['v'])


class MomentumSGD(_momentum.VelocityMethod):
    """Stochastic gradient descent with classical momentum.

    Args:
        lr (float): Learning rate.
        momentum (float): Decay rate of the velocity.

    Example:
        >>> optimizer = dbr.optimizers.MomentumSGD(lr=0.1).setup(model)  # doctest: +SKIP
    """

    rule_class = MomentumSGDRule
