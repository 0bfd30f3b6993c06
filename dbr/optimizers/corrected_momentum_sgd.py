"""Momentum SGD with the learning rate applied after the momentum (Goyal et al., eq. 9)."""
from dbr.backends._kernels import Elementwise
from dbr.optimizers import _momentum

_kernel = Elementwise('T grad, S lr, S momentum', 'T param, T v',
                      'v = momentum * v - grad; param += lr * v', 'dbr_corrected_momentum_sgd')


class CorrectedMomentumSGDRule(_momentum.VelocityRule):
    """``v = momentum * v - grad; param += lr * v``.

    Because the velocity holds raw gradients, changing ``lr`` mid-training rescales the whole
    step at once instead of only the newest gradient ("momentum correction").

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        momentum (float): Decay rate of the velocity.
    """

    def update_core_cpu(self, param):
        hp = self.hyperparam
        v = self.state['v']
        v *= float(hp.momentum)
        v -= param.grad
        data = param.array
        data += float(hp.lr) * v

    def update_core_gpu(self, param):
        hp = self.hyperparam
        _kernel.get(param.array.dtype)(param.grad, hp.lr, hp.momentum, param.array,
                                       self.state['v'])


class CorrectedMomentumSGD(_momentum.VelocityMethod):
    """Momentum SGD with momentum correction, from "Accurate, Large Minibatch SGD" (eq. 9).

    Equivalent to :class:`MomentumSGD` while ``lr`` is constant; when ``lr`` changes, the
    accumulated velocity is rescaled with it.

    Args:
        lr (float): Learning rate.
        momentum (float): Decay rate of the velocity.

    Example:
        >>> optimizer = dbr.optimizers.CorrectedMomentumSGD(lr=0.1).setup(model)  # doctest: +SKIP
    """

    rule_class = CorrectedMomentumSGDRule
