"""Zeiler's AdaDelta."""
from dbr import backend
from dbr import optimizer
from dbr.backends._kernels import Elementwise

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.rho = 0.95
_default_hyperparam.eps = 1e-6


_kernel = Elementwise(
    'T grad, S rho, S one_minus_rho, S eps', 'T param, T msg, T msdx',
    '''
    msg = msg * rho + grad * one_minus_rho * grad;
    const S dx = sqrt((msdx + eps) / (msg + eps)) * grad;
    msdx = msdx * rho + dx * one_minus_rho * dx;
    param -= dx;
    ''', 'dbr_ada_delta')


class AdaDeltaRule(optimizer.UpdateRule):
    """AdaDelta's update from running means of squared gradients and squared steps.

    ``msg = rho * msg + (1 - rho) * g * g``; ``dx = sqrt((msdx + eps) / (msg + eps)) * g``;
    ``msdx = rho * msdx + (1 - rho) * dx * dx``; ``param -= dx``.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        rho (float): Decay rate of both running means.
        eps (float): Added inside the square root for numerical stability.
    """

    def __init__(self, parent_hyperparam=None, rho=None, eps=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if rho is not None:
            self.hyperparam.rho = rho
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        xp = backend.get_array_module(param.array)
        self.state['msg'] = xp.zeros_like(param.array)
        self.state['msdx'] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        hp = self.hyperparam
        rho, eps = float(hp.rho), float(hp.eps)
        one_minus_rho = 1 - rho
        grad, data = param.grad, param.array
        msg, msdx = self.state['msg'], self.state['msdx']
        xp = backend.get_array_module(data)
        buf = grad * one_minus_rho
        buf *= grad
        msg *= rho
        msg += buf
        dx = msdx + eps
        dx /= xp.add(msg, eps, out=buf)
        xp.sqrt(dx, out=dx)
        dx *= grad
        msdx *= rho
        buf = xp.multiply(dx, one_minus_rho, out=buf)
        buf *= dx
        msdx += buf
        data -= dx

    def update_core_gpu(self, param):
        hp = self.hyperparam
        rho = float(hp.rho)
        _kernel.get(param.array.dtype)(param.grad, rho, 1 - rho, hp.eps, param.array,
                                       self.state['msg'], self.state['msdx'])


class AdaDelta(optimizer.GradientMethod):
    """Zeiler's AdaDelta (arXiv:1212.5701); it has no learning rate.

    Args:
        rho (float): Decay rate of the running means.
        eps (float): Added inside the square root for numerical stability.

    Example:
        >>> optimizer = dbr.optimizers.AdaDelta().setup(model)  # doctest: +SKIP
    """

    rho = optimizer.HyperparameterProxy('rho')
    eps = optimizer.HyperparameterProxy('eps')

    def __init__(self, rho=_default_hyperparam.rho, eps=_default_hyperparam.eps):
        super().__init__()
        self.hyperparam.rho = rho
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return AdaDeltaRule(self.hyperparam)
