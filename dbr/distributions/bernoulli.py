"""Bernoulli distribution."""
import numpy

from dbr import backend
from dbr.distributions import utils
from dbr.distributions._by_logit import ByLogit
from dbr.distributions.kl import register_kl
from dbr.functions.math._binary import BinaryElementwise
from dbr.variable import Variable


class BernoulliLogProb(BinaryElementwise):
    """``x log(sigmoid(l)) + (1 - x) log(1 - sigmoid(l))`` from the logit ``l``, stably.

    As ``x min(l, 0) + (1 - x) min(-l, 0) - log1p(exp(-|l|))``: no overflow for any finite
    logit, and an infinite logit gives 0 or ``-inf`` instead of NaN. With ``binary_check``,
    ``x`` outside {0, 1} gives ``-inf``. The gradient is ``x - sigmoid(l)`` for the logit and
    ``l`` for ``x`` (zero where the result was forced to ``-inf``).
    """

    def __init__(self, binary_check):
        self.binary_check = binary_check

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        logit, x = inputs
        xp = backend.get_array_module(logit)
        zero = logit.dtype.type(0)
        with numpy.errstate(invalid='ignore', over='ignore'):
            y = -xp.log1p(xp.exp(-xp.abs(logit)))
            # The where()s keep 0 * inf (a matching infinite logit) out of the result.
            y = y + xp.where(x != 0, x * xp.minimum(logit, zero), zero)
            y = y + xp.where(x != 1, (1 - x) * xp.minimum(-logit, zero), zero)
        self._invalid = None
        if self.binary_check:
            invalid = (x != 0) & (x != 1)
            y = xp.where(invalid, logit.dtype.type(-numpy.inf), y)
            self._invalid = invalid
        self._record_shapes(logit, x, y)
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        from dbr.functions.math.where import masked
        logit, x = self.get_retained_inputs()
        gy, = grad_outputs
        if self._invalid is not None:
            gy = masked(~self._invalid, gy)
        ret = []
        for i in indexes:
            g = gy * (x - sigmoid(logit)) if i == 0 else gy * logit
            ret.append(self._reduce(g, i))
        return tuple(ret)


class Bernoulli(ByLogit):
    """Bernoulli distribution over {0, 1}: ``P(x = 1) = p``, ``P(x = 0) = 1 - p``.

    Give either ``p`` or ``logit = log(p / (1 - p))``, not both. ``log_prob`` is computed from
    the logit without overflow, and accepts ``x`` in [0, 1] (the cross-entropy form), so it
    serves grayscale data as VAE decoders use it. Samples are integers and carry no gradient.

    Args:
        p (Variable or array or float): The probability of 1.
        logit (Variable or array or float): The log-odds of 1.
        binary_check (bool): If True, ``log_prob`` is ``-inf`` (and ``prob`` 0) for ``x``
            outside {0, 1}.

    Example:
        >>> d = D.Bernoulli(logit=numpy.array([0., 1e4], 'f'))
        >>> d.log_prob(numpy.array([1., 0.], 'f')).array
        array([-6.9314718e-01, -1.0000000e+04], dtype=float32)
    """

    def __init__(self, p=None, logit=None, binary_check=False):
        if (p is None) == (logit is None):
            raise ValueError('Bernoulli: either p or logit (not both) must be given')
        self._from_logit = p is None
        if self._from_logit:
            self._logit, = utils.as_params('Bernoulli', logit=logit)
            self._param = self._logit
        else:
            self._p, = utils.as_params('Bernoulli', p=p)
            self._param = self._p
        self.binary_check = binary_check

    @utils.cached_property
    def p(self):
        """Variable: The probability of 1."""
        if not self._from_logit:
            return self._p
        from dbr.functions.activation.sigmoid import sigmoid
        return sigmoid(self._logit)

    @utils.cached_property
    def logit(self):
        """Variable: The log-odds ``log(p) - log(1 - p)``."""
        if self._from_logit:
            return self._logit
        from dbr.functions.math.log1p import log1p
        from dbr.functions.math.where import where
        p = self._p
        below_one = p.array < 1
        # p = 0 or 1 gives an infinite logit, without a division warning
        return utils.safe_log(p) - where(below_one, log1p(-where(below_one, p, 0.0)),
                                         -numpy.inf)

    @property
    def batch_shape(self):
        return self._param.shape

    @property
    def support(self):
        return '{0, 1}'

    def log_prob(self, x):
        x = utils.as_input(x, self._param)
        self._check_x(x, 'log_prob')
        return BernoulliLogProb(self.binary_check).apply((self.logit, x))[0]

    def prob(self, x):
        x = utils.as_input(x, self._param)
        self._check_x(x, 'prob')
        p = self.p
        prob = x * p + (1 - x) * (1 - p)
        if self.binary_check:
            from dbr.functions.math.where import masked
            prob = masked((x.array == 0) | (x.array == 1), prob)
        return prob

    def cdf(self, x):
        from dbr.functions.math.where import where
        x = utils.as_input(x, self._param)
        self._check_x(x, 'cdf')
        xa = x.array
        q = utils.broadcast_to(1 - self.p, numpy.broadcast_shapes(xa.shape, self.batch_shape))
        return where(xa < 0, 0.0, where(xa < 1, q, 1.0))

    @utils.cached_property
    def mean(self):
        return self.p

    @property
    def mode(self):
        xp = self.xp
        return utils.as_input(xp.asarray(self.p.array > 0.5), self._param)

    @utils.cached_property
    def variance(self):
        if self._from_logit:
            from dbr.functions.activation.sigmoid import sigmoid
            return self.p * sigmoid(-self._logit)
        return self.p * (1 - self.p)

    @utils.cached_property
    def entropy(self):
        if self._from_logit:
            # p softplus(-l) + (1 - p) softplus(l): finite for any finite logit.
            # An infinite logit makes one weight exactly 0: mask its logit so 0 * inf never
            # happens.
            from dbr.functions.activation.sigmoid import sigmoid
            from dbr.functions.activation.softplus import softplus
            from dbr.functions.math.where import where
            lg = self._logit
            p, q = self.p, sigmoid(-lg)
            return p * softplus(-where(p.array > 0, lg, 0.0)) + \
                q * softplus(where(q.array > 0, lg, 0.0))
        p = self._p
        return -utils.xlogx(p) - utils.xlogx(1 - p)

    def sample_n(self, n):
        xp = self.xp
        return Variable(xp.random.binomial(1, self.p.array, size=(n,) + self.batch_shape),
                        requires_grad=False)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # sum_x p(x) (log p(x) - log q(x)) = p (l1 - l2) + softplus(l2) - softplus(l1)
    from dbr.functions.activation.softplus import softplus
    l1, l2 = p.logit, q.logit
    return p.p * (l1 - l2) + softplus(l2) - softplus(l1)
