"""One-hot categorical distribution."""
import numpy

from dbr import backend
from dbr.distributions import utils
from dbr.distributions.distribution import Distribution
from dbr.distributions.kl import register_kl
from dbr.variable import Variable


class OneHotCategorical(Distribution):
    """Categorical distribution over one-hot vectors: ``P(x = e_i) = p[..., i]``.

    ``p`` has shape ``batch_shape + (K,)``; ``event_shape`` is ``(K,)``. Samples are int32
    one-hot vectors and carry no gradient.

    Args:
        p (Variable or array): The probabilities (rows summing to 1).

    Example:
        >>> d = D.OneHotCategorical(numpy.array([[0.25, 0.75]], 'f'))
        >>> d.log_prob(numpy.array([[0, 1]])).array
        array([-0.2876821], dtype=float32)
    """

    def __init__(self, p):
        self._p, = utils.as_params('OneHotCategorical', p=p)
        if self._p.ndim < 1:
            raise ValueError(f'OneHotCategorical: p needs a category axis (its last), got '
                             f'shape {self._p.shape}')

    @property
    def p(self):
        """Variable: The probabilities."""
        return self._p

    @utils.cached_property
    def log_p(self):
        """Variable: ``log(p)`` (``-inf`` where ``p = 0``)."""
        return utils.safe_log(self._p)

    @property
    def batch_shape(self):
        return self._p.shape[:-1]

    @property
    def event_shape(self):
        return self._p.shape[-1:]

    @property
    def params(self):
        return {'p': self._p}

    @property
    def xp(self):
        return backend.get_array_module(self._p)

    @property
    def support(self):
        return '{0, 1}'

    def log_prob(self, x):
        from dbr.functions.math.sum import sum as sum_
        from dbr.functions.math.where import where
        x = utils.as_input(getattr(x, 'array', x), self._p)
        self._check_x(x, 'log_prob')
        # Only the chosen category counts: no 0 * -inf from the others.
        return sum_(x * where(x.array != 0, self.log_p, 0.0), axis=-1)

    @property
    def mean(self):
        return self._p

    @utils.cached_property
    def variance(self):
        return self._p * (1 - self._p)

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.sum import sum as sum_
        return -sum_(utils.xlogx(self._p), axis=-1)

    def sample_n(self, n):
        xp = self.xp
        idx = utils.sample_categorical(self._p.array, n)
        return Variable((idx[..., None] == xp.arange(self._p.shape[-1])).astype(numpy.int32),
                        requires_grad=False)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    from dbr.functions.math.sum import sum as sum_
    from dbr.functions.math.where import where
    support = p.p.array > 0
    return sum_(p.p * where(support, p.log_p, 0.0) - p.p * where(support, q.log_p, 0.0),
                axis=-1)
