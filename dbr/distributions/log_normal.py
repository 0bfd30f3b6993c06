"""Log-normal distribution."""
import math

from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, inside_only, param, where_inside
from dbr.distributions.kl import register_kl
from dbr.functions.math.ndtri import ndtri

_LOGPROBC = -0.5 * math.log(2 * math.pi)
_ENTROPYC = 0.5 * math.log(2 * math.pi * math.e)
_INV_SQRT2 = 1 / math.sqrt(2)


class LogNormal(ElementwiseDistribution):
    """Log-normal distribution: ``log(x) ~ N(mu, sigma**2)``.

    Samples are reparameterized, ``exp(mu + sigma * eps)``.

    Args:
        mu (Variable or array or float): The mean of ``log(x)``.
        sigma (Variable or array or float): The standard deviation of ``log(x)``.

    Example:
        >>> d = D.LogNormal(numpy.zeros(1, 'f'), numpy.ones(1, 'f'))
        >>> d.log_prob(numpy.ones(1, 'f')).array
        array([-0.9189385], dtype=float32)
    """

    def __init__(self, mu, sigma):
        self._setup(mu=mu, sigma=sigma)

    mu = param('mu', 'Variable: The mean of ``log(x)``.')
    sigma = param('sigma', 'Variable: The standard deviation of ``log(x)``.')

    @property
    def support(self):
        return 'positive'

    def _z(self, x, method):
        from dbr.functions.math.log import log
        x = self._input(x, method)
        inside = x.array > 0
        logx = log(inside_only(x, inside))
        return inside, logx, (logx - self.mu) / self.sigma

    def log_prob(self, x):
        from dbr.functions.math.log import log
        inside, logx, z = self._z(x, 'log_prob')
        return where_inside(inside, _LOGPROBC - log(self.sigma) - logx - 0.5 * (z * z))

    def cdf(self, x):
        from dbr.functions.math.erfc import erfc
        inside, _, z = self._z(x, 'cdf')
        return where_inside(inside, 0.5 * erfc(z * -_INV_SQRT2), 0.0)

    def icdf(self, x):
        from dbr.functions.math.exp import exp
        return exp(self.mu + self.sigma * ndtri(self._input(x, 'icdf')))

    @utils.cached_property
    def mean(self):
        from dbr.functions.math.exp import exp
        return self._full(exp(self.mu + 0.5 * (self.sigma * self.sigma)))

    @property
    def mode(self):
        from dbr.functions.math.exp import exp
        return self._full(exp(self.mu - self.sigma * self.sigma))

    @utils.cached_property
    def variance(self):
        from dbr.functions.math.exp import exp
        from dbr.functions.math.expm1 import expm1
        s2 = self.sigma * self.sigma
        return self._full(expm1(s2) * exp(2 * self.mu + s2))

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.log import log
        return self._full(self.mu + log(self.sigma) + _ENTROPYC)

    def sample_n(self, n):
        from dbr.functions.math.exp import exp
        return exp(self.mu + self.sigma * self._draw('standard_normal', n))


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    # The KL divergence is invariant under the map x -> log(x): it is the normals' one.
    from dbr.functions.math.log import log
    ratio = p.sigma / q.sigma
    diff = (p.mu - q.mu) / q.sigma
    return 0.5 * (ratio * ratio + diff * diff) - log(ratio) - 0.5
