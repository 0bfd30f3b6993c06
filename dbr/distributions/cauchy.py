"""Cauchy (Lorentz) distribution."""
import math

import numpy

from dbr.distributions import utils
from dbr.distributions._loc_scale import LocScaleDistribution
from dbr.distributions.kl import register_kl

_LOG_PI = math.log(math.pi)


class Cauchy(LocScaleDistribution):
    """Cauchy distribution: ``p(x) = 1 / (pi scale (1 + ((x - loc) / scale)**2))``.

    Its mean and variance do not exist: ``mean`` and ``variance`` are NaN. Samples are
    reparameterized, ``loc + scale * eps`` with standard Cauchy ``eps``.

    Args:
        loc (Variable or array or float): The location (median and mode).
        scale (Variable or array or float): The scale (half width at half maximum).

    Example:
        >>> d = D.Cauchy(numpy.zeros(1, 'f'), numpy.ones(1, 'f'))
        >>> d.cdf(numpy.ones(1, 'f')).array
        array([0.75], dtype=float32)
    """

    _standard = 'standard_cauchy'

    def log_prob(self, x):
        from dbr.functions.math.log import log
        from dbr.functions.math.log1p import log1p
        z = self._z(x, 'log_prob')
        return -_LOG_PI - log(self.scale) - log1p(z * z)

    def cdf(self, x):
        from dbr.functions.math.arctan import arctan
        z = self._z(x, 'cdf')
        return 0.5 + arctan(z) * (1 / math.pi)

    def icdf(self, x):
        from dbr.functions.math.tan import tan
        return self.loc + self.scale * tan(math.pi * (self._input(x, 'icdf') - 0.5))

    def _undefined(self):
        xp = self.xp
        return utils.as_input(xp.full(self._batch_shape, numpy.nan), self._first)

    @property
    def mean(self):
        """Variable: NaN (the mean of a Cauchy distribution does not exist)."""
        return self._undefined()

    @property
    def variance(self):
        """Variable: NaN (the variance of a Cauchy distribution does not exist)."""
        return self._undefined()

    @property
    def mode(self):
        return self._full(self.loc)

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.log import log
        return self._full(log(self.scale) + math.log(4 * math.pi))


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    from dbr.functions.math.log import log
    s = p.scale + q.scale
    d = p.loc - q.loc
    return log(s * s + d * d) - log(4 * p.scale * q.scale)
