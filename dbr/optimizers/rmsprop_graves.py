"""Alex Graves's RMSprop (centered, with momentum)."""
from dbr import backend
from dbr import optimizer
from dbr.backends._kernels import Elementwise

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 1e-4
_default_hyperparam.alpha = 0.95
_default_hyperparam.momentum = 0.9
_default_hyperparam.eps = 1e-4


_kernel = Elementwise(
    'T grad, S lr, S alpha, S one_minus_alpha, S momentum, S eps', 'T param, T n, T g, T delta',
    '''
    const S scaled = grad * one_minus_alpha;
    n = n * alpha + scaled * grad;
    g = g * alpha + scaled;
    delta = delta * momentum - grad * lr / sqrt(n - g * g + eps);
    param += delta;
    ''', 'dbr_rmsprop_graves')


class RMSpropGravesRule(optimizer.UpdateRule):
    """Centered RMSprop with momentum.

    ``n = alpha * n + (1 - alpha) * g * g``; ``m = alpha * m + (1 - alpha) * g``;
    ``delta = momentum * delta - lr * g / sqrt(n - m * m + eps)``; ``param += delta``.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        alpha (float): Decay rate of the first and second moments of the gradient.
        momentum (float): Decay rate of the step.
        eps (float): Added inside the square root for numerical stability.
    """

    def __init__(self, parent_hyperparam=None, lr=None, alpha=None, momentum=None, eps=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if alpha is not None:
            self.hyperparam.alpha = alpha
        if momentum is not None:
            self.hyperparam.momentum = momentum
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        xp = backend.get_array_module(param.array)
        self.state['n'] = xp.zeros_like(param.array)
        self.state['g'] = xp.zeros_like(param.array)
        self.state['delta'] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        hp = self.hyperparam
        alpha = float(hp.alpha)
        grad, data = param.grad, param.array
        n, g, delta = self.state['n'], self.state['g'], self.state['delta']
        xp = backend.get_array_module(data)
        scaled = grad * (1 - alpha)
        denom = scaled * grad
        n *= alpha
        n += denom
        g *= alpha
        g += scaled
        xp.multiply(g, g, out=denom)
        xp.subtract(n, denom, out=denom)
        denom += float(hp.eps)
        xp.sqrt(denom, out=denom)
        step = xp.multiply(grad, float(hp.lr), out=scaled)
        step /= denom
        delta *= float(hp.momentum)
        delta -= step
        data += delta

    def update_core_gpu(self, param):
        hp = self.hyperparam
        alpha = float(hp.alpha)
        state = self.state
        _kernel.get(param.array.dtype)(param.grad, hp.lr, alpha, 1 - alpha, hp.momentum, hp.eps,
                                       param.array, state['n'], state['g'], state['delta'])


class RMSpropGraves(optimizer.GradientMethod):
    """Alex Graves's RMSprop (arXiv:1308.0850).

    Args:
        lr (float): Learning rate.
        alpha (float): Decay rate of the first and second moments of the gradient.
        momentum (float): Decay rate of the step.
        eps (float): Added inside the square root for numerical stability.

    Example:
        >>> optimizer = dbr.optimizers.RMSpropGraves().setup(model)  # doctest: +SKIP
    """

    lr = optimizer.HyperparameterProxy('lr')
    alpha = optimizer.HyperparameterProxy('alpha')
    momentum = optimizer.HyperparameterProxy('momentum')
    eps = optimizer.HyperparameterProxy('eps')

    def __init__(self, lr=_default_hyperparam.lr, alpha=_default_hyperparam.alpha,
                 momentum=_default_hyperparam.momentum, eps=_default_hyperparam.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.alpha = alpha
        self.hyperparam.momentum = momentum
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return RMSpropGravesRule(self.hyperparam)
