"""Categorical distribution over ``{0, ..., K - 1}``."""
import numpy

from dbr.distributions import utils
from dbr.distributions._by_logit import ByLogit
from dbr.distributions.kl import register_kl
from dbr.variable import Variable


class Categorical(ByLogit):
    """Categorical distribution: ``P(x = i) = p[..., i]``.

    The last axis of ``p`` (or ``logit``) indexes the ``K`` categories; the others form
    ``batch_shape``, and ``event_shape`` is ``()``. Give either ``p`` (rows summing to 1) or
    ``logit`` (unnormalized log-probabilities, normalized with a log-softmax), not both.
    Samples are int32 category indices and carry no gradient.

    Args:
        p (Variable or array): The probabilities, shape ``batch_shape + (K,)``.
        logit (Variable or array): Log-probabilities up to an additive constant per row.

    Example:
        >>> d = D.Categorical(logit=numpy.log(numpy.array([[0.2, 0.8]], 'f')))
        >>> d.log_prob(numpy.array([1])).array
        array([-0.22314353], dtype=float32)
    """

    def __init__(self, p=None, logit=None):
        if (p is None) == (logit is None):
            raise ValueError('Categorical: either p or logit (not both) must be given')
        self._from_logit = p is None
        name = 'logit' if self._from_logit else 'p'
        param, = utils.as_params('Categorical', **{name: logit if p is None else p})
        if param.ndim < 1:
            raise ValueError(f'Categorical: {name} needs a category axis (its last), got shape '
                             f'{param.shape}')
        self._param = param

    @utils.cached_property
    def p(self):
        """Variable: The probabilities, ``batch_shape + (K,)``."""
        if not self._from_logit:
            return self._param
        from dbr.functions.activation.softmax import softmax
        return softmax(self._param, axis=-1)

    @utils.cached_property
    def log_p(self):
        """Variable: The normalized log-probabilities, ``batch_shape + (K,)``."""
        if not self._from_logit:
            return utils.safe_log(self._param)
        from dbr.functions.activation.log_softmax import log_softmax
        return log_softmax(self._param, axis=-1)

    @property
    def logit(self):
        """Variable: The logit as given, or ``log(p)``."""
        return self._param if self._from_logit else self.log_p

    @property
    def batch_shape(self):
        return self._param.shape[:-1]

    @property
    def support(self):
        return f'{{0, ..., {self._param.shape[-1] - 1}}}'

    def log_prob(self, x):
        """Log-probability of the category indices ``x`` (``sample_shape + batch_shape``)."""
        from dbr.functions.array.select_item import select_item
        xa = x.array if isinstance(x, Variable) else x
        xp = self.xp
        xa = xp.asarray(xa)
        if xa.dtype.kind not in 'iu':
            xa = xa.astype(numpy.int32)
        self._check_x(xa, 'log_prob')
        k = self._param.shape[-1]
        shape = numpy.broadcast_shapes(xa.shape, self.batch_shape)
        log_p = utils.broadcast_to(self.log_p, shape + (k,)).reshape(-1, k)
        t = xp.broadcast_to(xa, shape).reshape(-1)
        return select_item(log_p, t).reshape(shape)

    @utils.cached_property
    def entropy(self):
        from dbr.functions.math.sum import sum as sum_
        if self._from_logit:
            return -sum_(self.p * self.log_p, axis=-1)
        return -sum_(utils.xlogx(self._param), axis=-1)

    @property
    def mode(self):
        xp = self.xp
        return Variable(xp.argmax(self.p.array, axis=-1).astype(numpy.int32),
                        requires_grad=False)

    def sample_n(self, n):
        return Variable(utils.sample_categorical(self.p.array, n), requires_grad=False)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    from dbr.functions.math.sum import sum as sum_
    from dbr.functions.math.where import where
    lp, lq = p.log_p, q.log_p
    if p._from_logit:
        return sum_(p.p * (lp - lq), axis=-1)
    # Categories with p = 0 contribute 0, also where q = 0 (no 0 * inf).
    support = p.p.array > 0
    return sum_(p.p * where(support, lp, 0.0) - p.p * where(support, lq, 0.0), axis=-1)
