"""Laplace (double exponential) distribution."""
import math

from dbr.distributions import utils
from dbr.distributions._loc_scale import LocScaleDistribution
from dbr.distributions.kl import register_kl

_LOG2 = math.log(2)


class Laplace(LocScaleDistribution):
    """Laplace distribution: ``p(x) = exp(-|x - loc| / scale) / (2 scale)``.

    Samples are reparameterized, ``loc + scale * eps`` with standard Laplace ``eps``.

    Args:
        loc (Variable or array or float): The location (mean, median and mode).
        scale (Variable or array or float): The scale ``b > 0``.

    Example:
        >>> d = D.Laplace(numpy.zeros(1, 'f'), numpy.ones(1, 'f'))
        >>> d.cdf(numpy.zeros(1, 'f')).array
        array([0.5], dtype=float32)
    """

    _standard = 'laplace'

    def log_prob(self, x):
        from dbr.functions.math.absolute import absolute
        from dbr.functions.math.log import log
        x = self._input(x, 'log_prob')
        return -log(self.scale) - _LOG2 - absolute(x - self.loc) / self.scale

    def cdf(self, x):
        from dbr.functions.math.absolute import absolute
        from dbr.functions.math.expm1 import expm1
        z = self._z(x, 'cdf')
        # 1 - exp(-z)/2 above the location, exp(z)/2 below: one formula with sign(z).
        return 0.5 - 0.5 * self.xp.sign(z.array) * expm1(-absolute(z))

    def icdf(self, x):
        from dbr.functions.math.absolute import absolute
        from dbr.functions.math.log1p import log1p
        c = self._input(x, 'icdf') - 0.5
        return self.loc - self.scale * self.xp.sign(c.array) * log1p(-2 * absolute(c))

    @utils.cached_property
    def mean(self):
        return self._full(self.loc)

    @property
    def mode(self):
        return self.mean

    @utils.cached_property
    def variance(self):
        s = self._full(self.scale)
        return 2 * s * s

    @utils.cached_property
    def stddev(self):
        return self._full(self.scale) * math.sqrt(2)

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.log import log
        return self._full(log(self.scale)) + (_LOG2 + 1)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    from dbr.functions.math.absolute import absolute
    from dbr.functions.math.exp import exp
    from dbr.functions.math.log import log
    d = absolute(p.loc - q.loc)
    ratio = p.scale / q.scale
    return -log(ratio) + d / q.scale + ratio * exp(-d / p.scale) - 1
