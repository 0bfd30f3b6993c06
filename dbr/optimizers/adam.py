"""Adam and its variants: AdamW (decoupled weight decay), AMSGrad, AdaBound, AMSBound."""
import math
import threading

import numpy

from dbr import backend
from dbr import optimizer
from dbr.backends._kernels import Elementwise, compute_dtype
from dbr.optimizers._checks import check_eps

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.alpha = 0.001
_default_hyperparam.beta1 = 0.9
_default_hyperparam.beta2 = 0.999
_default_hyperparam.eps = 1e-8
_default_hyperparam.eta = 1.0
_default_hyperparam.weight_decay_rate = 0.0
_default_hyperparam.amsgrad = False
_default_hyperparam.adabound = False
_default_hyperparam.final_lr = 0.1
_default_hyperparam.gamma = 1e-3


def _alpha_t(alpha, beta1, beta2, t, who):
    if t == 0:
        raise RuntimeError(f'{who}: the bias-corrected learning rate is undefined before the '
                           f'first update (t == 0)')
    return alpha * math.sqrt(1.0 - math.pow(beta2, t)) / (1.0 - math.pow(beta1, t))


_scratch = threading.local()


def _scratch_like(xp, a, dtype):
    """A ``dtype`` temporary shaped like ``a``, carved from one buffer per dtype and device.

    Reusing it across parameters and steps saves an allocation per parameter per step; its
    memory is that of the largest parameter, not of all of them.
    """
    dtype = numpy.dtype(dtype)
    key = (dtype.str, a.device.id if backend.is_gpu_array(a) else -1)
    bufs = getattr(_scratch, 'bufs', None)
    if bufs is None:
        bufs = _scratch.bufs = {}
    buf = bufs.get(key)
    if buf is None or buf.size < a.size:
        buf = bufs[key] = xp.empty(a.size, dtype)
    return buf[:a.size].reshape(a.shape)


def _kernel_definition(amsgrad, adabound):
    """The update as one kernel; AMSGrad adds the ``vhat`` state, AdaBound the step bounds."""
    code = 'm += one_minus_beta1 * (grad - m);\nv += one_minus_beta2 * (grad * grad - v);\n'
    if amsgrad:
        code += 'vhat = max(vhat, v);\n'
    code += f'S step = alpha_t / (sqrt((S){"vhat" if amsgrad else "v"}) + eps);\n'
    if adabound:
        code += 'step = min(max(step, lower), upper);\n'
    # keep = 1 - eta * weight_decay_rate; keep and eta are exactly 1 in plain Adam
    code += 'param = param * keep - step * m * eta;\n'
    return Elementwise(
        'T grad, S one_minus_beta1, S one_minus_beta2, S eps, S alpha_t, S keep, S eta'
        + (', S lower, S upper' if adabound else ''),
        'T param, T m, T v' + (', T vhat' if amsgrad else ''),
        code, f'dbr_adam{"_amsgrad" if amsgrad else ""}{"_bound" if adabound else ""}')


_update_kernels = {(a, b): _kernel_definition(a, b) for a in (False, True) for b in (False, True)}


class AdamRule(optimizer.UpdateRule):
    """Adam's update for one parameter.

    ``m += (1 - beta1) * (g - m)``; ``v += (1 - beta2) * (g * g - v)``;
    ``step = alpha_t / (sqrt(v) + eps)`` (``vhat = max(vhat, v)`` replaces ``v`` under
    ``amsgrad``; ``step`` is clipped to the AdaBound bounds under ``adabound``);
    ``param -= eta * (step * m + weight_decay_rate * param)``.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        alpha (float): Coefficient of the learning rate.
        beta1 (float): Decay rate of the first moment.
        beta2 (float): Decay rate of the second moment.
        eps (float): Added to the denominator (outside the square root).
        eta (float): Schedule multiplier of the whole step, weight decay included.
        weight_decay_rate (float): Decoupled weight decay rate (AdamW).
        amsgrad (bool): Use the AMSGrad variant.
        adabound (bool): Use the AdaBound variant.
        final_lr (float): AdaBound's final (SGD) learning rate.
        gamma (float): Convergence speed of AdaBound's bounds.

    Attributes:
        initial_alpha (float): ``alpha`` when the rule was made; AdaBound scales ``final_lr``
            by ``alpha / initial_alpha``, so schedules of ``alpha`` move the bounds too.
        alpha_t (float): The bias-corrected step size at this rule's ``t`` (``lr`` is a
            synonym).
    """

    def __init__(self, parent_hyperparam=None, alpha=None, beta1=None, beta2=None, eps=None,
                 eta=None, weight_decay_rate=None, amsgrad=None, adabound=None, final_lr=None,
                 gamma=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        for name, value in (('alpha', alpha), ('beta1', beta1), ('beta2', beta2), ('eps', eps),
                            ('eta', eta), ('weight_decay_rate', weight_decay_rate),
                            ('amsgrad', amsgrad), ('adabound', adabound),
                            ('final_lr', final_lr), ('gamma', gamma)):
            if value is not None:
                setattr(self.hyperparam, name, value)
        self.initial_alpha = self.hyperparam.alpha

    def init_state(self, param):
        xp = backend.get_array_module(param.array)
        self.state['m'] = xp.zeros_like(param.array)
        self.state['v'] = xp.zeros_like(param.array)
        if self.hyperparam.amsgrad:
            self.state['vhat'] = xp.zeros_like(param.array)

    @property
    def alpha_t(self):
        """The bias-corrected step size ``alpha * sqrt(1 - beta2**t) / (1 - beta1**t)``."""
        hp = self.hyperparam
        return _alpha_t(hp.alpha, hp.beta1, hp.beta2, self.t, 'AdamRule.alpha_t')

    lr = alpha_t

    @property
    def bounds(self):
        """AdaBound's ``(lower, upper)`` clipping range of the per-element step at ``t``."""
        return self._bounds(self.hyperparam.get_dict())

    def _bounds(self, hp):
        if self.t == 0:
            raise RuntimeError('AdamRule.bounds: the AdaBound bounds are undefined before the '
                               'first update (t == 0)')
        final_lr = hp['final_lr'] * hp['alpha'] / self.initial_alpha
        gamma_t = hp['gamma'] * self.t
        return final_lr * (1.0 - 1.0 / (gamma_t + 1)), final_lr * (1.0 + 1.0 / gamma_t)

    def update_core_cpu(self, param):
        # one get_dict() instead of ten fallback lookups: this runs per parameter per step
        hp = self.hyperparam.get_dict()
        grad, data = param.grad, param.array
        dtype = data.dtype
        if dtype == numpy.float16:  # updated through float32 intermediates, as in Chainer
            dtype = numpy.dtype(numpy.float32)
            grad = grad.astype(dtype)
        eps = float(hp['eps'])
        check_eps('Adam', eps, dtype)
        m, v = self.state['m'], self.state['v']
        xp = backend.get_array_module(data)

        # float16 parameters are updated in float32: eps and the step underflow in float16.
        buf = _scratch_like(xp, m, dtype)
        xp.subtract(grad, m, out=buf)
        buf *= 1.0 - float(hp['beta1'])
        m += buf
        xp.multiply(grad, grad, out=buf)
        buf -= v
        buf *= 1.0 - float(hp['beta2'])
        v += buf
        if hp['amsgrad']:
            vhat = self.state['vhat']
            xp.maximum(vhat, v, out=vhat)
        else:
            vhat = v
        if vhat.dtype != dtype:
            vhat = vhat.astype(dtype)
        step = xp.sqrt(vhat, out=buf)
        step += eps
        alpha_t = _alpha_t(float(hp['alpha']), float(hp['beta1']), float(hp['beta2']), self.t,
                           'AdamRule.update')
        xp.divide(alpha_t, step, out=step)
        if hp['adabound']:
            lower, upper = self._bounds(hp)
            xp.clip(step, lower, upper, out=step)
        step *= m
        eta = float(hp['eta'])
        decay = float(hp['weight_decay_rate'])
        if decay != 0:
            data *= 1.0 - eta * decay
        if eta != 1:
            step *= eta
        data -= step

    def update_core_gpu(self, param):
        hp = self.hyperparam.get_dict()
        eps = float(hp['eps'])
        check_eps('Adam', eps, compute_dtype(param.array.dtype))
        beta1, beta2, eta = float(hp['beta1']), float(hp['beta2']), float(hp['eta'])
        alpha_t = _alpha_t(float(hp['alpha']), beta1, beta2, self.t, 'AdamRule.update')
        amsgrad, adabound = bool(hp['amsgrad']), bool(hp['adabound'])
        args = [param.grad, 1.0 - beta1, 1.0 - beta2, eps, alpha_t,
                1.0 - eta * float(hp['weight_decay_rate']), eta]
        if adabound:
            args += self._bounds(hp)
        state = self.state
        args += [param.array, state['m'], state['v']]
        if amsgrad:
            args.append(state['vhat'])
        _update_kernels[amsgrad, adabound].get(param.array.dtype)(*args)

    def serialize(self, serializer, param=None):
        """Saves or loads ``t`` and the state, plus ``initial_alpha`` under ``adabound``."""
        if self.hyperparam.adabound:
            self.initial_alpha = serializer('initial_alpha', self.initial_alpha)
        super().serialize(serializer, param)


class Adam(optimizer.GradientMethod):
    """Adam (arXiv:1412.6980), with Chainer's AdamW, AMSGrad and AdaBound options.

    With the defaults ``eta=1`` and ``weight_decay_rate=0`` this is plain Adam. ``eps`` is added
    outside the square root, and ``weight_decay_rate`` is decoupled from the gradient (AdamW:
    ``param -= eta * weight_decay_rate * param``). ``amsgrad`` keeps the running maximum of the
    second moment (AMSGrad); ``adabound`` clips each element's step into bounds converging to
    ``final_lr`` (AdaBound; AMSBound with both). ``alpha_t`` (and its synonym ``lr``, read-only)
    is the bias-corrected step size at the optimizer's ``t``; set ``alpha`` to change the rate.

    Args:
        alpha (float): Coefficient of the learning rate.
        beta1 (float): Decay rate of the first moment.
        beta2 (float): Decay rate of the second moment.
        eps (float): Added to the denominator for numerical stability.
        eta (float): Schedule multiplier (e.g. for warm restarts).
        weight_decay_rate (float): Decoupled weight decay rate.
        amsgrad (bool): Use the AMSGrad variant.
        adabound (bool): Use the AdaBound variant.
        final_lr (float): AdaBound's final (SGD) learning rate.
        gamma (float): Convergence speed of AdaBound's bounds.

    Example:
        >>> optimizer = dbr.optimizers.Adam(alpha=1e-3).setup(model)  # doctest: +SKIP
        >>> optimizer.alpha = 5e-4  # takes effect at the next update  # doctest: +SKIP
    """

    alpha = optimizer.HyperparameterProxy('alpha')
    beta1 = optimizer.HyperparameterProxy('beta1')
    beta2 = optimizer.HyperparameterProxy('beta2')
    eps = optimizer.HyperparameterProxy('eps')
    eta = optimizer.HyperparameterProxy('eta')
    weight_decay_rate = optimizer.HyperparameterProxy('weight_decay_rate')
    amsgrad = optimizer.HyperparameterProxy('amsgrad')
    adabound = optimizer.HyperparameterProxy('adabound')
    final_lr = optimizer.HyperparameterProxy('final_lr')
    gamma = optimizer.HyperparameterProxy('gamma')

    def __init__(self, alpha=_default_hyperparam.alpha, beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2, eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta,
                 weight_decay_rate=_default_hyperparam.weight_decay_rate,
                 amsgrad=_default_hyperparam.amsgrad, adabound=_default_hyperparam.adabound,
                 final_lr=_default_hyperparam.final_lr, gamma=_default_hyperparam.gamma):
        super().__init__()
        hp = self.hyperparam
        hp.alpha = alpha
        hp.beta1 = beta1
        hp.beta2 = beta2
        hp.eps = eps
        hp.eta = eta
        hp.weight_decay_rate = weight_decay_rate
        hp.amsgrad = amsgrad
        hp.adabound = adabound
        hp.final_lr = final_lr
        hp.gamma = gamma

    def create_update_rule(self):
        return AdamRule(self.hyperparam)

    @property
    def alpha_t(self):
        """The bias-corrected step size at the optimizer's ``t``."""
        hp = self.hyperparam
        return _alpha_t(hp.alpha, hp.beta1, hp.beta2, self.t, f'{type(self).__name__}.alpha_t')

    lr = alpha_t


class AdamW(Adam):
    """Adam with decoupled weight decay (arXiv:1711.05101); :class:`Adam` with the same options.

    Args:
        alpha (float): Coefficient of the learning rate.
        beta1 (float): Decay rate of the first moment.
        beta2 (float): Decay rate of the second moment.
        eps (float): Added to the denominator for numerical stability.
        eta (float): Schedule multiplier.
        weight_decay_rate (float): Decoupled weight decay rate.

    Example:
        >>> optimizer = dbr.optimizers.AdamW(weight_decay_rate=1e-4).setup(model)  # doctest: +SKIP
    """

    def __init__(self, alpha=_default_hyperparam.alpha, beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2, eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta,
                 weight_decay_rate=_default_hyperparam.weight_decay_rate):
        super().__init__(alpha=alpha, beta1=beta1, beta2=beta2, eps=eps, eta=eta,
                         weight_decay_rate=weight_decay_rate)


class AMSGrad(Adam):
    """AMSGrad (Reddi et al., 2018): :class:`Adam` with ``amsgrad=True``.

    Args:
        alpha (float): Coefficient of the learning rate.
        beta1 (float): Decay rate of the first moment.
        beta2 (float): Decay rate of the second moment.
        eps (float): Added to the denominator for numerical stability.
        eta (float): Schedule multiplier.

    Example:
        >>> optimizer = dbr.optimizers.AMSGrad().setup(model)  # doctest: +SKIP
    """

    def __init__(self, alpha=_default_hyperparam.alpha, beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2, eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta):
        super().__init__(alpha=alpha, beta1=beta1, beta2=beta2, eps=eps, eta=eta, amsgrad=True)


class AdaBound(Adam):
    """AdaBound (Luo et al., 2019): :class:`Adam` with ``adabound=True``.

    Args:
        alpha (float): Coefficient of the learning rate.
        beta1 (float): Decay rate of the first moment.
        beta2 (float): Decay rate of the second moment.
        final_lr (float): Final (SGD) learning rate the bounds converge to.
        gamma (float): Convergence speed of the bounds.
        eps (float): Added to the denominator for numerical stability.
        eta (float): Schedule multiplier.

    Example:
        >>> optimizer = dbr.optimizers.AdaBound(final_lr=0.1).setup(model)  # doctest: +SKIP
    """

    def __init__(self, alpha=_default_hyperparam.alpha, beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2, final_lr=_default_hyperparam.final_lr,
                 gamma=_default_hyperparam.gamma, eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta):
        super().__init__(alpha=alpha, beta1=beta1, beta2=beta2, eps=eps, eta=eta,
                         adabound=True, final_lr=final_lr, gamma=gamma)


class AMSBound(Adam):
    """AMSBound (Luo et al., 2019): :class:`Adam` with ``amsgrad=True`` and ``adabound=True``.

    Args:
        alpha (float): Coefficient of the learning rate.
        beta1 (float): Decay rate of the first moment.
        beta2 (float): Decay rate of the second moment.
        final_lr (float): Final (SGD) learning rate the bounds converge to.
        gamma (float): Convergence speed of the bounds.
        eps (float): Added to the denominator for numerical stability.
        eta (float): Schedule multiplier.

    Example:
        >>> optimizer = dbr.optimizers.AMSBound().setup(model)  # doctest: +SKIP
    """

    def __init__(self, alpha=_default_hyperparam.alpha, beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2, final_lr=_default_hyperparam.final_lr,
                 gamma=_default_hyperparam.gamma, eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta):
        super().__init__(alpha=alpha, beta1=beta1, beta2=beta2, eps=eps, eta=eta,
                         amsgrad=True, adabound=True, final_lr=final_lr, gamma=gamma)
