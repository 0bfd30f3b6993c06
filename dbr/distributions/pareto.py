"""Pareto (type I) distribution."""
from dbr.distributions import utils
from dbr.distributions._elementwise import ElementwiseDistribution, inside_only, param, where_inside
from dbr.distributions.kl import register_kl


class Pareto(ElementwiseDistribution):
    """Pareto distribution: ``p(x) = alpha scale**alpha / x**(alpha + 1)`` for ``x >= scale``.

    The mean is infinite for ``alpha <= 1``, the variance for ``alpha <= 2``. Samples are
    reparameterized, ``scale * u**(-1 / alpha)`` with uniform ``u``, so gradients flow to both
    parameters.

    Args:
        scale (Variable or array or float): The minimum ``x_m > 0``.
        alpha (Variable or array or float): The shape ``alpha > 0``.

    Example:
        >>> d = D.Pareto(numpy.ones(1, 'f'), numpy.array([3.], 'f'))
        >>> d.mean.array
        array([1.5], dtype=float32)
    """

    def __init__(self, scale, alpha):
        self._setup(scale=scale, alpha=alpha)

    scale = param('scale', 'Variable: The minimum value ``x_m``.')
    alpha = param('alpha', 'Variable: The shape.')

    @property
    def support(self):
        return '[scale, inf]'

    def _log_x(self, x, method):
        from dbr.functions.math.log import log
        x = self._input(x, method)
        inside = x.array >= self.scale.array
        return inside, log(inside_only(x, inside, self.scale))

    def log_prob(self, x):
        from dbr.functions.math.log import log
        inside, logx = self._log_x(x, 'log_prob')
        a = self.alpha
        return where_inside(inside, log(a) + a * log(self.scale) - (a + 1) * logx)

    def cdf(self, x):
        from dbr.functions.math.exp import exp
        from dbr.functions.math.log import log
        inside, logx = self._log_x(x, 'cdf')
        return where_inside(inside, 1 - exp(self.alpha * (log(self.scale) - logx)), 0.0)

    def icdf(self, x):
        from dbr.functions.math.exp import exp
        from dbr.functions.math.log1p import log1p
        return self.scale * exp(-log1p(-self._input(x, 'icdf')) / self.alpha)

    @utils.cached_property
    def mean(self):
        a = self._full(self.alpha)
        finite = a.array > 1
        return where_inside(finite, a * self.scale / (inside_only(a, finite, 2.0) - 1),
                            float('inf'))

    @property
    def mode(self):
        return self._full(self.scale)

    @utils.cached_property
    def variance(self):
        a = self._full(self.alpha)
        finite = a.array > 2
        a = inside_only(a, finite, 3.0)
        am1 = a - 1
        return where_inside(finite, self.scale * self.scale * a / (am1 * am1 * (a - 2)),
                            float('inf'))

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.log import log
        return self._full(log(self.scale / self.alpha) + 1 / self.alpha + 1)

    def sample_n(self, n):
        from dbr.functions.math.exp import exp
        from dbr.functions.math.log1p import log1p
        u = self._draw('random_sample', n)         # in [0, 1): 1 - u is in (0, 1]
        return self.scale * exp(-log1p(-u) / self.alpha)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    # Finite only when p's support [scale_p, inf) lies inside q's.
    from dbr.functions.math.log import log
    inside = p.scale.array >= q.scale.array
    r = q.alpha / p.alpha
    kl = -log(r) + q.alpha * (log(p.scale) - log(q.scale)) + r - 1
    return where_inside(inside, kl, float('inf'))
