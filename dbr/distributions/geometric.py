"""Geometric distribution on ``{1, 2, ...}``."""
from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, inside_only, param, where_inside
from dbr.distributions.kl import register_kl
from dbr.variable import Variable


class Geometric(ElementwiseDistribution):
    """Geometric distribution: the number of Bernoulli(p) trials up to the first success,
    ``P(x = k) = p (1 - p)**(k - 1)`` for ``k = 1, 2, ...``. Samples are integers.

    Args:
        p (Variable or array or float): The success probability in (0, 1].

    Example:
        >>> d = D.Geometric(numpy.array([0.5], 'f'))
        >>> d.log_prob(numpy.array([2.], 'f')).array
        array([-1.3862944], dtype=float32)
    """

    def __init__(self, p):
        self._setup(p=p)

    p = param('p', 'Variable: The success probability.')

    @property
    def support(self):
        return 'positive integer'

    def log_prob(self, x):
        from dbr.functions.math.log import log
        from dbr.functions.math.log1p import log1p
        x = self._input(x, 'log_prob')
        inside = x.array >= 1
        return where_inside(inside, (inside_only(x, inside) - 1) * log1p(-self.p) + log(self.p))

    @utils.cached_property
    def mean(self):
        return self._full(1 / self.p)

    @utils.cached_property
    def variance(self):
        p = self._full(self.p)
        return (1 - p) / (p * p)

    @utils.cached_property
    def entropy(self):
        p = self._full(self.p)
        return -(utils.xlogx(1 - p) + utils.xlogx(p)) / p

    def sample_n(self, n):
        return Variable(self.xp.random.geometric(self.p.array, size=(n,) + self._batch_shape),
                        requires_grad=False)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    from dbr.functions.math.log import log
    from dbr.functions.math.log1p import log1p
    return -p.entropy - (1 / p.p - 1) * log1p(-q.p) - log(q.p)
