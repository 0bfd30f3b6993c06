"""Gamma distribution (shape ``k``, scale ``theta``)."""
from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, inside_only, param, where_inside
from dbr.distributions.kl import register_kl
from dbr.functions.math.digamma import digamma
from dbr.functions.math.lgamma import lgamma


class Gamma(ElementwiseDistribution):
    """Gamma distribution: ``p(x) = x**(k-1) exp(-x / theta) / (Gamma(k) theta**k)``, ``x > 0``.

    Samples are ``theta * g`` with ``g`` drawn from the standard gamma of shape ``k``:
    gradients flow to ``theta`` only.

    Args:
        k (Variable or array or float): The shape ``k > 0``.
        theta (Variable or array or float): The scale ``theta > 0``.

    Example:
        >>> d = D.Gamma(numpy.array([2.], 'f'), numpy.array([3.], 'f'))
        >>> d.mean.array, d.variance.array
        (array([6.], dtype=float32), array([18.], dtype=float32))
    """

    def __init__(self, k, theta):
        self._setup(k=k, theta=theta)

    k = param('k', 'Variable: The shape.')
    theta = param('theta', 'Variable: The scale.')

    @property
    def support(self):
        return 'positive'

    def log_prob(self, x):
        from dbr.functions.math.log import log
        x = self._input(x, 'log_prob')
        inside = x.array > 0
        x = inside_only(x, inside)
        k, theta = self.k, self.theta
        return where_inside(inside, (k - 1) * log(x) - x / theta - lgamma(k)
                            - k * log(theta))

    @utils.cached_property
    def mean(self):
        return self._full(self.k * self.theta)

    @utils.cached_property
    def variance(self):
        return self._full(self.k * self.theta * self.theta)

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.log import log
        k = self.k
        return self._full(k + log(self.theta) + lgamma(k)
                          + (1 - k) * digamma(k))

    def sample_n(self, n):
        xp = self.xp
        k = xp.broadcast_to(self.k.array, self._batch_shape)
        g = xp.random.standard_gamma(k, size=(n,) + self._batch_shape)
        return self.theta * utils.as_input(g, self._first)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    from dbr.functions.math.log import log
    k1, k2, t1, t2 = p.k, q.k, p.theta, q.theta
    return ((k1 - k2) * digamma(k1) - lgamma(k1) + lgamma(k2)
            + k2 * (log(t2) - log(t1)) + k1 * (t1 - t2) / t2)
