"""Dirichlet distribution over the probability simplex."""
from dbr import backend
from dbr.distributions import utils
from dbr.distributions.distribution import Distribution
from dbr.distributions.kl import register_kl
from dbr.functions.math.digamma import digamma
from dbr.functions.math.lgamma import lgamma


def _sum(x, keepdims=False):
    from dbr.functions.math.sum import sum as sum_
    return sum_(x, axis=-1, keepdims=keepdims)


class Dirichlet(Distribution):
    """Dirichlet distribution: ``p(x) = prod_i x_i**(alpha_i - 1) / B(alpha)`` on the simplex.

    ``alpha`` has shape ``batch_shape + (K,)``; ``event_shape`` is ``(K,)``. Samples (normalized
    gamma draws) carry no gradient.

    Args:
        alpha (Variable or array): The concentrations ``alpha_i > 0``.

    Example:
        >>> d = D.Dirichlet(numpy.ones((2, 3), 'f'))
        >>> d.batch_shape, d.event_shape, d.mean.array[0]
        ((2,), (3,), array([0.33333334, 0.33333334, 0.33333334], dtype=float32))
    """

    def __init__(self, alpha):
        self._alpha, = utils.as_params('Dirichlet', alpha=alpha)
        if self._alpha.ndim < 1:
            raise ValueError(f'Dirichlet: alpha needs a category axis (its last), got shape '
                             f'{self._alpha.shape}')

    @property
    def alpha(self):
        """Variable: The concentrations."""
        return self._alpha

    @utils.cached_property
    def alpha0(self):
        """Variable: ``sum(alpha)`` over the last axis."""
        return _sum(self._alpha)

    @property
    def batch_shape(self):
        return self._alpha.shape[:-1]

    @property
    def event_shape(self):
        return self._alpha.shape[-1:]

    @property
    def params(self):
        return {'alpha': self._alpha}

    @property
    def xp(self):
        return backend.get_array_module(self._alpha)

    @property
    def support(self):
        return '[0, 1]'

    @utils.cached_property
    def _log_norm(self):
        """``log B(alpha) = sum(lgamma(alpha)) - lgamma(alpha0)``."""
        return _sum(lgamma(self._alpha)) - lgamma(self.alpha0)

    def log_prob(self, x):
        from dbr.functions.math.log import log
        x = utils.as_input(x, self._alpha)
        self._check_x(x, 'log_prob')
        return _sum((self._alpha - 1) * log(x)) - self._log_norm

    @utils.cached_property
    def mean(self):
        from dbr.functions.array.expand_dims import expand_dims
        return self._alpha / expand_dims(self.alpha0, -1)

    @utils.cached_property
    def variance(self):
        from dbr.functions.array.expand_dims import expand_dims
        a0 = expand_dims(self.alpha0, -1)
        return self._alpha * (a0 - self._alpha) / (a0 * a0 * (a0 + 1))

    @utils.cached_property
    def entropy(self):
        dg = digamma
        k = self._alpha.shape[-1]
        a0 = self.alpha0
        return self._log_norm + (a0 - k) * dg(a0) - _sum((self._alpha - 1) * dg(self._alpha))

    def sample_n(self, n):
        xp = self.xp
        shape = (n,) + self._alpha.shape
        g = xp.random.standard_gamma(xp.broadcast_to(self._alpha.array, shape))
        return utils.as_input(g / g.sum(axis=-1, keepdims=True), self._alpha)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    from dbr.functions.array.expand_dims import expand_dims
    dg = digamma
    diff = dg(p.alpha) - expand_dims(dg(p.alpha0), -1)
    return q._log_norm - p._log_norm + _sum((p.alpha - q.alpha) * diff)
