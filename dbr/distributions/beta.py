"""Beta distribution."""
from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, inside_only, param, where_inside
from dbr.distributions.kl import register_kl
from dbr.functions.math.digamma import digamma
from dbr.functions.math.lgamma import lgamma


def _lbeta(a, b):
    return lgamma(a) + lgamma(b) - lgamma(a + b)


class Beta(ElementwiseDistribution):
    """Beta distribution on (0, 1): ``p(x) = x**(a-1) (1-x)**(b-1) / B(a, b)``.

    ``log_prob`` is ``-inf`` outside the open interval (0, 1), end points included. Samples
    carry no gradient.

    Args:
        a (Variable or array or float): The first shape parameter ``a > 0``.
        b (Variable or array or float): The second shape parameter ``b > 0``.

    Example:
        >>> d = D.Beta(numpy.array([2.], 'f'), numpy.array([2.], 'f'))
        >>> d.mean.array
        array([0.5], dtype=float32)
    """

    def __init__(self, a, b):
        self._setup(a=a, b=b)

    a = param('a', 'Variable: The first shape parameter.')
    b = param('b', 'Variable: The second shape parameter.')

    @property
    def support(self):
        return '[0, 1]'

    def log_prob(self, x):
        from dbr.functions.math.log import log
        from dbr.functions.math.log1p import log1p
        x = self._input(x, 'log_prob')
        inside = (x.array > 0) & (x.array < 1)
        x = inside_only(x, inside, 0.5)
        a, b = self.a, self.b
        return where_inside(inside, (a - 1) * log(x) + (b - 1) * log1p(-x) - _lbeta(a, b))

    @utils.cached_property
    def mean(self):
        return self._full(self.a / (self.a + self.b))

    @utils.cached_property
    def variance(self):
        a, b = self.a, self.b
        s = a + b
        return self._full(a * b / (s * s * (s + 1)))

    @utils.cached_property
    def entropy(self):
        a, b = self.a, self.b
        dg = digamma
        return self._full(_lbeta(a, b) - (a - 1) * dg(a) - (b - 1) * dg(b)
                          + (a + b - 2) * dg(a + b))

    def sample_n(self, n):
        xp = self.xp
        shape = (n,) + self._batch_shape
        return utils.as_input(xp.random.beta(xp.broadcast_to(self.a.array, self._batch_shape),
                                             xp.broadcast_to(self.b.array, self._batch_shape),
                                             size=shape), self._first)


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    dg = digamma
    a1, b1, a2, b2 = p.a, p.b, q.a, q.b
    return (_lbeta(a2, b2) - _lbeta(a1, b1) + (a1 - a2) * dg(a1) + (b1 - b2) * dg(b1)
            + (a2 - a1 + b2 - b1) * dg(a1 + b1))
