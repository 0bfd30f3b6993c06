"""Poisson distribution."""
from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, inside_only, param, where_inside
from dbr.distributions.kl import register_kl
from dbr.functions.math.lgamma import lgamma
from dbr.variable import Variable


class Poisson(ElementwiseDistribution):
    """Poisson distribution: ``P(x = k) = lam**k exp(-lam) / k!`` for ``k = 0, 1, ...``.

    Samples are integers.

    Args:
        lam (Variable or array or float): The rate ``lam > 0``.

    Example:
        >>> d = D.Poisson(numpy.array([2.], 'f'))
        >>> d.log_prob(numpy.array([0.], 'f')).array
        array([-2.], dtype=float32)
    """

    def __init__(self, lam):
        self._setup(lam=lam)

    lam = param('lam', 'Variable: The rate.')

    @property
    def support(self):
        return 'non negative integer'

    def log_prob(self, x):
        from dbr.functions.math.log import log
        x = self._input(x, 'log_prob')
        inside = x.array >= 0
        x = inside_only(x, inside, 0.0)
        return where_inside(inside, x * log(self.lam) - self.lam - lgamma(x + 1))

    @utils.cached_property
    def mean(self):
        return self._full(self.lam)

    @property
    def variance(self):
        return self.mean

    def sample_n(self, n):
        return Variable(self.xp.random.poisson(self.lam.array, size=(n,) + self._batch_shape),
                        requires_grad=False)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    from dbr.functions.math.log import log
    return p.lam * (log(p.lam) - log(q.lam)) - p.lam + q.lam
