"""AdaGrad."""
from dbr import backend
from dbr import optimizer
from dbr.backends._kernels import Elementwise

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.001
_default_hyperparam.eps = 1e-8


_kernel = Elementwise(
    'T grad, S lr, S eps', 'T param, T h',
    '''
    h += grad * grad;
    param -= grad * lr / (sqrt(h) + eps);
    ''', 'dbr_ada_grad')


class AdaGradRule(optimizer.UpdateRule):
    """``h += g * g; param -= lr * g / (sqrt(h) + eps)``.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        eps (float): Added to the denominator for numerical stability.
    """

    def __init__(self, parent_hyperparam=None, lr=None, eps=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        self.state['h'] = backend.get_array_module(param.array).zeros_like(param.array)

    def update_core_cpu(self, param):
        hp = self.hyperparam
        grad, data, h = param.grad, param.array, self.state['h']
        xp = backend.get_array_module(data)
        denom = grad * grad
        h += denom
        xp.sqrt(h, out=denom)
        denom += float(hp.eps)
        step = grad * float(hp.lr)
        step /= denom
        data -= step

    def update_core_gpu(self, param):
        hp = self.hyperparam
        _kernel.get(param.array.dtype)(param.grad, hp.lr, hp.eps, param.array, self.state['h'])


class AdaGrad(optimizer.GradientMethod):
    """AdaGrad (Duchi et al., 2011): per-element rates scaled by the accumulated squared grads.

    Args:
        lr (float): Learning rate.
        eps (float): Added to the denominator for numerical stability.

    Example:
        >>> optimizer = dbr.optimizers.AdaGrad(lr=0.01).setup(model)  # doctest: +SKIP
    """

    lr = optimizer.HyperparameterProxy('lr')
    eps = optimizer.HyperparameterProxy('eps')

    def __init__(self, lr=_default_hyperparam.lr, eps=_default_hyperparam.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return AdaGradRule(self.hyperparam)
