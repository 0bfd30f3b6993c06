"""Momentum SGD with the learning rate applied after the momentum (Goyal et al., eq. 9)."""
from dbr import backend
from dbr import optimizer
from dbr.backends._kernels import Elementwise

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.01
_default_hyperparam.momentum = 0.9


_kernel = Elementwise('T grad, S lr, S momentum', 'T param, T v',
                      'v = momentum * v - grad; param += lr * v', 'dbr_corrected_momentum_sgd')


class CorrectedMomentumSGDRule(optimizer.UpdateRule):
    """``v = momentum * v - grad; param += lr * v``.

    Because the velocity holds raw gradients, changing ``lr`` mid-training rescales the whole
    step at once instead of only the newest gradient ("momentum correction").

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        momentum (float): Decay rate of the velocity.
    """

    def __init__(self, parent_hyperparam=None, lr=None, momentum=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if momentum is not None:
            self.hyperparam.momentum = momentum

    def init_state(self, param):
        self.state['v'] = backend.get_array_module(param.array).zeros_like(param.array)

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


class CorrectedMomentumSGD(optimizer.GradientMethod):
    """Momentum SGD with momentum correction, from "Accurate, Large Minibatch SGD" (eq. 9).

    Equivalent to :class:`MomentumSGD` while ``lr`` is constant; when ``lr`` changes, the
    accumulated velocity is rescaled with it.

    Args:
        lr (float): Learning rate.
        momentum (float): Decay rate of the velocity.

    Example:
        >>> optimizer = dbr.optimizers.CorrectedMomentumSGD(lr=0.1).setup(model)  # doctest: +SKIP
    """

    lr = optimizer.HyperparameterProxy('lr')
    momentum = optimizer.HyperparameterProxy('momentum')

    def __init__(self, lr=_default_hyperparam.lr, momentum=_default_hyperparam.momentum):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.momentum = momentum

    def create_update_rule(self):
        return CorrectedMomentumSGDRule(self.hyperparam)
