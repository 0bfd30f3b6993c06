"""Simon Funk's SMORMS3."""
from dbr import backend
from dbr import optimizer
from dbr.backends._kernels import Elementwise

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.001
_default_hyperparam.eps = 1e-16


_kernel = Elementwise(
    'T grad, S lr, S eps', 'T param, T mem, T g, T g2',
    '''
    const S r = (S)1 / (mem + (S)1);
    const S keep = (S)1 - r;
    const S rg = r * grad;
    g = g * keep + rg;
    g2 = g2 * keep + rg * grad;
    const S x = g * g / (g2 + eps);
    param -= min(x, lr) * grad / (sqrt(g2) + eps);
    mem = mem * ((S)1 - x) + (S)1;
    ''', 'dbr_smorms3')


class SMORMS3Rule(optimizer.UpdateRule):
    """SMORMS3's update, with a per-element memory length ``mem``.

    ``r = 1 / (mem + 1)``; ``g = (1 - r) * g + r * grad``; ``g2 = (1 - r) * g2 + r * grad**2``;
    ``x = g * g / (g2 + eps)``; ``param -= grad * min(x, lr) / (sqrt(g2) + eps)``;
    ``mem = 1 + mem * (1 - x)``.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        eps (float): Added to denominators for numerical stability.
    """

    def __init__(self, parent_hyperparam=None, lr=None, eps=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        xp = backend.get_array_module(param.array)
        self.state['mem'] = xp.ones_like(param.array)
        self.state['g'] = xp.zeros_like(param.array)
        self.state['g2'] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        hp = self.hyperparam
        eps = float(hp.eps)
        grad, data = param.grad, param.array
        mem, g, g2 = self.state['mem'], self.state['g'], self.state['g2']
        xp = backend.get_array_module(data)
        r = mem + 1
        xp.divide(1, r, out=r)
        keep = xp.subtract(1, r)
        g *= keep
        new = r * grad
        g += new
        g2 *= keep
        new *= grad
        g2 += new
        x = xp.multiply(g, g, out=new)
        x /= xp.add(g2, eps, out=r)
        step = xp.minimum(x, float(hp.lr), out=r)
        step *= grad
        denom = xp.sqrt(g2, out=keep)
        denom += eps
        step /= denom
        data -= step
        mem *= xp.subtract(1, x, out=keep)
        mem += 1

    def update_core_gpu(self, param):
        hp = self.hyperparam
        state = self.state
        _kernel.get(param.array.dtype)(param.grad, hp.lr, hp.eps, param.array, state['mem'],
                                       state['g'], state['g2'])


class SMORMS3(optimizer.GradientMethod):
    """Simon Funk's SMORMS3 (http://sifter.org/~simon/journal/20150420.html).

    Args:
        lr (float): Learning rate.
        eps (float): Added to denominators for numerical stability.

    Example:
        >>> optimizer = dbr.optimizers.SMORMS3().setup(model)  # doctest: +SKIP
    """

    lr = optimizer.HyperparameterProxy('lr')
    eps = optimizer.HyperparameterProxy('eps')

    def __init__(self, lr=_default_hyperparam.lr, eps=_default_hyperparam.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return SMORMS3Rule(self.hyperparam)
