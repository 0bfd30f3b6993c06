"""Annealed Gaussian gradient noise."""
import numpy

from dbr import backend
from dbr.optimizer_hooks._hook import Hook


def exponential_decay_noise(xp, shape, dtype, hook, opt):
    """Gaussian noise with variance ``hook.eta / (1 + opt.t) ** 0.55`` (Neelakantan et al.).

    Args:
        xp: The array module to draw with.
        shape (tuple): Shape of the noise.
        dtype: Its dtype.
        hook (GradientNoise): The hook (for ``eta``).
        opt: The update rule (or optimizer) whose ``t`` anneals the noise.

    Example:
        >>> rule = dbr.optimizers.SGDRule(lr=0.1)
        >>> hook = dbr.optimizer_hooks.GradientNoise(0.3)
        >>> exponential_decay_noise(numpy, (2, 3), numpy.float32, hook, rule).shape
        (2, 3)
    """
    std = numpy.sqrt(hook.eta / numpy.power(1 + opt.t, 0.55))
    return xp.random.normal(0, std, shape).astype(dtype, copy=False)


class GradientNoise(Hook):
    """Adds ``noise_func(xp, shape, dtype, hook, rule)`` to each gradient.

    By default the noise is Gaussian with variance ``eta / (1 + t) ** 0.55``, where ``t`` is the
    update count of the parameter's rule before this update ("Adding Gradient Noise Improves
    Learning for Very Deep Networks", arXiv:1511.06807). It is drawn from ``xp.random``, so
    ``numpy.random.seed`` makes it reproducible.

    Args:
        eta (float): Scale of the noise (the paper suggests 0.01, 0.3 or 1.0).
        noise_func: The noise generator.
        exclude: Optional predicate on the parameter path; True leaves that parameter alone.

    Example:
        >>> optimizer.add_hook(dbr.optimizer_hooks.GradientNoise(0.01))  # doctest: +SKIP
    """

    name = 'GradientNoise'

    def __init__(self, eta, noise_func=exponential_decay_noise, *, exclude=None):
        super().__init__(exclude)
        self.eta = eta
        self.noise_func = noise_func

    def __call__(self, rule, param):
        if self._skips(rule.path, param):
            return
        grad = param.grad
        grad += self.noise_func(backend.get_array_module(grad), grad.shape, grad.dtype, self, rule)
