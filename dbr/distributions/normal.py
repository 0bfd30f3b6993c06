"""Normal (Gaussian) distribution."""
import math

from dbr.distributions import utils
from dbr.distributions._loc_scale import LocScaleDistribution
from dbr.distributions.kl import register_kl
from dbr.functions.math.log_ndtr import log_ndtr
from dbr.functions.math.ndtri import ndtri

ENTROPYC = 0.5 * math.log(2 * math.pi * math.e)
LOGPROBC = -0.5 * math.log(2 * math.pi)
_INV_SQRT2 = 1 / math.sqrt(2)


class Normal(LocScaleDistribution):
    """Normal distribution ``N(loc, scale**2)``, parameterized by ``scale`` or ``log_scale``.

    ``p(x) = exp(-(x - loc)**2 / (2 scale**2)) / sqrt(2 pi scale**2)``. ``loc`` and the scale
    broadcast together into ``batch_shape``; ``event_shape`` is ``()``. Samples are
    reparameterized (``loc + scale * eps``), so gradients flow to both parameters.

    Args:
        loc (Variable or array or float): The mean.
        scale (Variable or array or float): The standard deviation. Give either ``scale`` or
            ``log_scale`` (keyword only), not both.
        log_scale (Variable or array or float): ``log(scale)``.

    Example:
        >>> d = D.Normal(loc=numpy.zeros(3, 'f'), log_scale=numpy.zeros(3, 'f'))
        >>> d.log_prob(numpy.zeros(3, 'f')).array
        array([-0.9189385, -0.9189385, -0.9189385], dtype=float32)
    """

    _standard = 'standard_normal'

    def __init__(self, loc, scale=None, **kwargs):
        log_scale = kwargs.pop('log_scale', None)
        if kwargs:
            raise TypeError(f'Normal: unexpected keyword arguments {sorted(kwargs)}')
        if (scale is None) == (log_scale is None):
            raise ValueError('Normal: either scale or log_scale (not both) must be given')
        self._log_param = scale is None
        if self._log_param:
            self._setup(loc=loc, log_scale=log_scale)
        else:
            self._setup(loc=loc, scale=scale)

    @utils.cached_property
    def scale(self):
        """Variable: The standard deviation."""
        if not self._log_param:
            return self._p['scale']
        from dbr.functions.math.exp import exp
        return exp(self._p['log_scale'])

    @utils.cached_property
    def log_scale(self):
        """Variable: The log of the standard deviation."""
        if self._log_param:
            return self._p['log_scale']
        from dbr.functions.math.log import log
        return log(self._p['scale'])

    @property
    def params(self):
        return {'loc': self.loc, 'scale': self.scale}

    def log_prob(self, x):
        z = self._z(x, 'log_prob')
        return LOGPROBC - self.log_scale - 0.5 * (z * z)

    def cdf(self, x):
        from dbr.functions.math.erfc import erfc
        return 0.5 * erfc(self._z(x, 'cdf') * -_INV_SQRT2)

    def log_cdf(self, x):
        return log_ndtr(self._z(x, 'log_cdf'))

    def survival_function(self, x):
        from dbr.functions.math.erfc import erfc
        return 0.5 * erfc(self._z(x, 'survival_function') * _INV_SQRT2)

    def log_survival_function(self, x):
        return log_ndtr(-self._z(x, 'log_survival_function'))

    def icdf(self, x):
        return self.loc + self.scale * ndtri(self._input(x, 'icdf'))

    @utils.cached_property
    def mean(self):
        return self._full(self.loc)

    @property
    def mode(self):
        return self.mean

    @utils.cached_property
    def stddev(self):
        return self._full(self.scale)

    @utils.cached_property
    def variance(self):
        s = self.stddev
        return s * s

    @utils.cached_property
    def entropy(self):
        return self._full(self.log_scale) + ENTROPYC


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    diff = p.loc - q.loc
    ratio = p.scale / q.scale
    return q.log_scale - p.log_scale + 0.5 * (ratio * ratio + (diff * diff) / (q.scale * q.scale)) \
        - 0.5
