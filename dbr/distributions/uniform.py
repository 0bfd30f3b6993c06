"""Continuous uniform distribution on ``[low, high]``."""
import math

from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, where_inside
from dbr.distributions.kl import register_kl


class Uniform(ElementwiseDistribution):
    """Uniform distribution: density ``1 / (high - low)`` on ``[low, high]``, 0 elsewhere.

    Give ``low`` and ``high``, or (keywords) ``loc = low`` and ``scale = high - low``.
    Samples are reparameterized, ``low + (high - low) u``.

    Args:
        low, high (Variable or array or float): The bounds.
        loc, scale (Variable or array or float): Keyword alternative to ``low``/``high``.

    Example:
        >>> d = D.Uniform(low=numpy.zeros(2, 'f'), high=numpy.array([1., 4.], 'f'))
        >>> d.log_prob(numpy.array([0.5, 5.], 'f')).array
        array([  0., -inf], dtype=float32)
    """

    def __init__(self, low=None, high=None, **kwargs):
        loc = kwargs.pop('loc', None)
        scale = kwargs.pop('scale', None)
        if kwargs:
            raise TypeError(f'Uniform: unexpected keyword arguments {sorted(kwargs)}')
        if low is not None and high is not None and loc is None and scale is None:
            self._setup(low=low, high=high)
            self._by_bounds = True
        elif loc is not None and scale is not None and low is None and high is None:
            self._setup(loc=loc, scale=scale)
            self._by_bounds = False
        else:
            raise ValueError('Uniform: give either low and high, or loc and scale')

    @utils.cached_property
    def low(self):
        """Variable: The lower bound."""
        return self._p['low'] if self._by_bounds else self._p['loc']

    @utils.cached_property
    def high(self):
        """Variable: The upper bound."""
        return self._p['high'] if self._by_bounds else self._p['loc'] + self._p['scale']

    @utils.cached_property
    def scale(self):
        """Variable: ``high - low``."""
        return self._p['high'] - self._p['low'] if self._by_bounds else self._p['scale']

    @property
    def loc(self):
        """Variable: ``low``."""
        return self.low

    @property
    def params(self):
        return {'low': self.low, 'high': self.high}

    @property
    def support(self):
        return '[low, high]'

    def log_prob(self, x):
        from dbr.functions.math.log import log
        x = self._input(x, 'log_prob')
        inside = (x.array >= self.low.array) & (x.array <= self.high.array)
        shape = inside.shape
        return where_inside(inside, utils.broadcast_to(-log(self.scale), shape))

    def cdf(self, x):
        from dbr.functions.math.clip import clip
        x = self._input(x, 'cdf')
        return clip((x - self.low) / self.scale, 0.0, 1.0)

    def icdf(self, x):
        x = self._input(x, 'icdf')
        return self.low + self.scale * x

    @utils.cached_property
    def mean(self):
        return self._full((self.low + self.high) * 0.5)

    @utils.cached_property
    def variance(self):
        s = self._full(self.scale)
        return s * s * (1 / 12)

    @utils.cached_property
    def stddev(self):
        return self._full(self.scale) * (1 / math.sqrt(12))

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.log import log
        return self._full(log(self.scale))

    def sample_n(self, n):
        return self.low + self.scale * self._draw('random_sample', n)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    from dbr.functions.math.log import log
    inside = (p.low.array >= q.low.array) & (p.high.array <= q.high.array)
    kl = log(q.scale) - log(p.scale)
    return where_inside(inside, kl, float('inf'))
