"""Exponential distribution."""
from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, inside_only, param, where_inside
from dbr.distributions.kl import register_kl


class Exponential(ElementwiseDistribution):
    """Exponential distribution: ``p(x) = lam exp(-lam x)`` for ``x >= 0``.

    Samples are reparameterized, ``eps / lam`` with standard exponential ``eps``.

    Args:
        lam (Variable or array or float): The rate ``lam > 0``.

    Example:
        >>> d = D.Exponential(numpy.array([2.], 'f'))
        >>> d.mean.array
        array([0.5], dtype=float32)
    """

    def __init__(self, lam):
        self._setup(lam=lam)

    lam = param('lam', 'Variable: The rate.')

    @property
    def support(self):
        return 'positive'

    def log_prob(self, x):
        from dbr.functions.math.log import log
        x = self._input(x, 'log_prob')
        inside = x.array >= 0
        return where_inside(inside, log(self.lam) - self.lam * inside_only(x, inside, 0.0))

    def cdf(self, x):
        from dbr.functions.math.expm1 import expm1
        x = self._input(x, 'cdf')
        inside = x.array >= 0
        return where_inside(inside, -expm1(-self.lam * inside_only(x, inside, 0.0)), 0.0)

    def icdf(self, x):
        from dbr.functions.math.log1p import log1p
        return -log1p(-self._input(x, 'icdf')) / self.lam

    @utils.cached_property
    def mean(self):
        return self._full(1 / self.lam)

    @property
    def mode(self):
        return utils.as_input(self.xp.zeros(self._batch_shape), self._first)

    @utils.cached_property
    def variance(self):
        m = self.mean
        return m * m

    @property
    def stddev(self):
        return self.mean

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.log import log
        return self._full(1 - log(self.lam))

    def sample_n(self, n):
        return self._draw('standard_exponential', n) / self.lam


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    from dbr.functions.math.log import log
    ratio = q.lam / p.lam
    return ratio - log(ratio) - 1
