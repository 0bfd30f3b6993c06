"""RMSprop."""
from dbr import backend
from dbr import optimizer
from dbr.backends._kernels import Elementwise
from dbr.optimizers._checks import check_eps

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.01
_default_hyperparam.alpha = 0.99
_default_hyperparam.eps = 1e-8
_default_hyperparam.eps_inside_sqrt = False


# eps is added inside the square root or outside it; the other place gets 0, which is exact.
_kernel = Elementwise(
    'T grad, S lr, S alpha, S one_minus_alpha, S eps_in, S eps_out', 'T param, T ms',
    '''
    ms = ms * alpha + grad * one_minus_alpha * grad;
    param -= grad * lr / (sqrt(ms + eps_in) + eps_out);
    ''', 'dbr_rmsprop')


class RMSpropRule(optimizer.UpdateRule):
    """``ms = alpha * ms + (1 - alpha) * g * g; param -= lr * g / (sqrt(ms) + eps)``.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        alpha (float): Decay rate of the mean square.
        eps (float): Added to the denominator for numerical stability.
        eps_inside_sqrt (bool): Divide by ``sqrt(ms + eps)`` instead (as some other frameworks
            do).
    """

    def __init__(self, parent_hyperparam=None, lr=None, alpha=None, eps=None,
                 eps_inside_sqrt=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if alpha is not None:
            self.hyperparam.alpha = alpha
        if eps is not None:
            self.hyperparam.eps = eps
        if eps_inside_sqrt is not None:
            self.hyperparam.eps_inside_sqrt = eps_inside_sqrt

    def init_state(self, param):
        self.state['ms'] = backend.get_array_module(param.array).zeros_like(param.array)

    def update_core_cpu(self, param):
        hp = self.hyperparam
        grad, data, ms = param.grad, param.array, self.state['ms']
        eps, alpha = float(hp.eps), float(hp.alpha)
        check_eps('RMSprop', eps, grad.dtype)
        xp = backend.get_array_module(data)
        denom = grad * (1 - alpha)
        denom *= grad
        ms *= alpha
        ms += denom
        if hp.eps_inside_sqrt:
            xp.add(ms, eps, out=denom)
            xp.sqrt(denom, out=denom)
        else:
            xp.sqrt(ms, out=denom)
            denom += eps
        step = grad * float(hp.lr)
        step /= denom
        data -= step

    def update_core_gpu(self, param):
        hp = self.hyperparam
        eps, alpha = float(hp.eps), float(hp.alpha)
        check_eps('RMSprop', eps, param.grad.dtype)
        eps_in, eps_out = (eps, 0.0) if hp.eps_inside_sqrt else (0.0, eps)
        _kernel.get(param.array.dtype)(param.grad, hp.lr, alpha, 1 - alpha, eps_in, eps_out,
                                       param.array, self.state['ms'])


class RMSprop(optimizer.GradientMethod):
    """RMSprop (Tieleman and Hinton, 2012).

    Args:
        lr (float): Learning rate.
        alpha (float): Decay rate of the mean square.
        eps (float): Added to the denominator for numerical stability.
        eps_inside_sqrt (bool): Divide by ``sqrt(ms + eps)`` instead of ``sqrt(ms) + eps``.

    Example:
        >>> optimizer = dbr.optimizers.RMSprop(lr=0.001).setup(model)  # doctest: +SKIP
    """

    lr = optimizer.HyperparameterProxy('lr')
    alpha = optimizer.HyperparameterProxy('alpha')
    eps = optimizer.HyperparameterProxy('eps')
    eps_inside_sqrt = optimizer.HyperparameterProxy('eps_inside_sqrt')

    def __init__(self, lr=_default_hyperparam.lr, alpha=_default_hyperparam.alpha,
                 eps=_default_hyperparam.eps,
                 eps_inside_sqrt=_default_hyperparam.eps_inside_sqrt):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.alpha = alpha
        self.hyperparam.eps = eps
        self.hyperparam.eps_inside_sqrt = eps_inside_sqrt

    def create_update_rule(self):
        return RMSpropRule(self.hyperparam)
