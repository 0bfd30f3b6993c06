"""Vanilla stochastic gradient descent."""
from dbr import optimizer
from dbr.backends._kernels import Elementwise


_kernel = Elementwise('T grad, S lr', 'T param', 'param -= lr * grad', 'dbr_sgd')


class SGDRule(optimizer.UpdateRule):
    """``param -= lr * grad``.

    Args:
        parent_hyperparam: The optimizer's hyperparameters.
        lr (float): Learning rate (overrides the parent's for this parameter).
    """

    def __init__(self, parent_hyperparam=None, lr=None):
        super().__init__(parent_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr

    def update_core_cpu(self, param):
        param.array -= param.array.dtype.type(self.hyperparam.lr) * param.grad

    def update_core_gpu(self, param):
        _kernel.get(param.array.dtype)(param.grad, self.hyperparam.lr, param.array)


class SGD(optimizer.GradientMethod):
    """Stochastic gradient descent.

    Args:
        lr (float): Learning rate.

    Example:
        >>> optimizer = dbr.optimizers.SGD(lr=0.1).setup(model)  # doctest: +SKIP
    """

    lr = optimizer.HyperparameterProxy('lr')

    def __init__(self, lr=0.01):
        super().__init__()
        self.hyperparam.lr = lr

    def create_update_rule(self):
        return SGDRule(self.hyperparam)
