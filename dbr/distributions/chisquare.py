"""Chi-square distribution."""
import math

from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, inside_only, param, where_inside
from dbr.distributions.kl import register_kl
from dbr.functions.math.digamma import digamma
from dbr.functions.math.lgamma import lgamma

_LOG2 = math.log(2)


class Chisquare(ElementwiseDistribution):
    """Chi-square distribution with ``k`` degrees of freedom (the gamma with shape ``k / 2``
    and scale 2): ``p(x) = x**(k/2 - 1) exp(-x/2) / (2**(k/2) Gamma(k/2))``, ``x > 0``.

    Samples carry no gradient.

    Args:
        k (Variable or array or float): The degrees of freedom ``k > 0``.

    Example:
        >>> d = D.Chisquare(numpy.array([4.], 'f'))
        >>> d.mean.array, d.variance.array
        (array([4.], dtype=float32), array([8.], dtype=float32))
    """

    def __init__(self, k):
        self._setup(k=k)

    k = param('k', 'Variable: The degrees of freedom.')

    @property
    def support(self):
        return 'positive'

    def log_prob(self, x):
        from dbr.functions.math.log import log
        x = self._input(x, 'log_prob')
        inside = x.array > 0
        x = inside_only(x, inside)
        h = 0.5 * self.k
        return where_inside(inside, (h - 1) * log(x) - 0.5 * x - h * _LOG2 - lgamma(h))

    @utils.cached_property
    def mean(self):
        return self._full(self.k)

    @utils.cached_property
    def variance(self):
        return self._full(2 * self.k)

    @utils.cached_property
    def entropy(self):
        h = 0.5 * self.k
        return self._full(h + _LOG2 + lgamma(h) + (1 - h) * digamma(h))

    def sample_n(self, n):
        xp = self.xp
        k = xp.broadcast_to(self.k.array, self._batch_shape)
        return utils.as_input(xp.random.chisquare(k, size=(n,) + self._batch_shape),
                              self._first)


@register_kl(Chisquare, Chisquare)
def _kl_chisquare_chisquare(p, q):
    # Both are gammas of scale 2: only the shapes k / 2 differ.
    h1, h2 = 0.5 * p.k, 0.5 * q.k
    return (h1 - h2) * digamma(h1) - lgamma(h1) + lgamma(h2)
