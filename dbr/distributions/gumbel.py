"""Gumbel (type-I extreme value) distribution."""
import math

from dbr.distributions import utils
from dbr.distributions._loc_scale import LocScaleDistribution
from dbr.distributions.kl import register_kl
from dbr.functions.math.lgamma import lgamma

EULER = 0.57721566490153286061


class Gumbel(LocScaleDistribution):
    """Gumbel distribution: ``p(x) = exp(-(z + exp(-z))) / scale``, ``z = (x - loc) / scale``.

    Samples are reparameterized, ``loc + scale * eps`` with standard Gumbel ``eps``.

    Args:
        loc (Variable or array or float): The location (mode).
        scale (Variable or array or float): The scale.

    Example:
        >>> d = D.Gumbel(numpy.zeros(1, 'f'), numpy.ones(1, 'f'))
        >>> d.mean.array
        array([0.5772157], dtype=float32)
    """

    _standard = 'gumbel'

    def log_prob(self, x):
        from dbr.functions.math.exp import exp
        from dbr.functions.math.log import log
        z = self._z(x, 'log_prob')
        return -log(self.scale) - z - exp(-z)

    def cdf(self, x):
        from dbr.functions.math.exp import exp
        z = self._z(x, 'cdf')
        return exp(-exp(-z))

    def icdf(self, x):
        from dbr.functions.math.log import log
        return self.loc - self.scale * log(-log(self._input(x, 'icdf')))

    @utils.cached_property
    def mean(self):
        return self._full(self.loc + EULER * self.scale)

    @property
    def mode(self):
        return self._full(self.loc)

    @utils.cached_property
    def variance(self):
        s = self._full(self.scale)
        return s * s * (math.pi ** 2 / 6)

    @utils.cached_property
    def stddev(self):
        return self._full(self.scale) * (math.pi / math.sqrt(6))

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.log import log
        return self._full(log(self.scale)) + (EULER + 1)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    # E_p[exp(-(x - loc_q) / scale_q)] = exp((loc_q - loc_p) / scale_q) Gamma(1 + r)
    from dbr.functions.math.exp import exp
    from dbr.functions.math.log import log
    r = p.scale / q.scale
    d = (p.loc - q.loc) / q.scale
    return -log(r) + EULER * (r - 1) + d + exp(lgamma(r + 1) - d) - 1
