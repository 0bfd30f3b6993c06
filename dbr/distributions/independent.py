"""Independent: reinterprets batch axes of a distribution as event axes."""
from dbr.distributions import utils
from dbr.distributions.distribution import Distribution
from dbr.distributions.kl import kl_divergence, register_kl


class Independent(Distribution):
    """Treats the rightmost ``reinterpreted_batch_ndims`` batch axes of ``distribution`` as
    event axes, so ``log_prob`` and ``entropy`` sum over them (``prob`` and ``cdf`` multiply).

    With base shapes ``batch_shape = B + R`` (``len(R) = reinterpreted_batch_ndims``) and
    ``event_shape = E``, the result has ``batch_shape = B`` and ``event_shape = R + E``.
    ``mean``, ``stddev``, ``variance`` and samples are the base distribution's.

    Args:
        distribution (~dbr.distributions.Distribution): The base distribution.
        reinterpreted_batch_ndims (int): How many batch axes become event axes; None means
            all but the first (``max(0, len(batch_shape) - 1)``).

    Example:
        >>> base = D.Normal(numpy.zeros((5, 3), 'f'), scale=numpy.ones((5, 3), 'f'))
        >>> d = D.Independent(base)
        >>> d.batch_shape, d.event_shape, d.log_prob(numpy.zeros((5, 3), 'f')).shape
        ((5,), (3,), (5,))
    """

    def __init__(self, distribution, reinterpreted_batch_ndims=None):
        if not isinstance(distribution, Distribution):
            raise TypeError(f'Independent: distribution must be a Distribution, got '
                            f'{type(distribution).__name__}')
        base_batch = tuple(distribution.batch_shape)
        if reinterpreted_batch_ndims is None:
            reinterpreted_batch_ndims = max(0, len(base_batch) - 1)
        elif not (isinstance(reinterpreted_batch_ndims, int)
                  and 0 <= reinterpreted_batch_ndims <= len(base_batch)):
            raise ValueError(f'Independent: reinterpreted_batch_ndims must be an int in [0, '
                             f'{len(base_batch)}] (the number of batch axes of the base '
                             f'distribution, batch_shape={base_batch}), got '
                             f'{reinterpreted_batch_ndims!r}')
        self._distribution = distribution
        self._ndims = reinterpreted_batch_ndims
        cut = len(base_batch) - reinterpreted_batch_ndims
        self._batch_shape = base_batch[:cut]
        self._event_shape = base_batch[cut:] + tuple(distribution.event_shape)

    @property
    def distribution(self):
        """~dbr.distributions.Distribution: The base distribution."""
        return self._distribution

    @property
    def reinterpreted_batch_ndims(self):
        """int: The number of base batch axes turned into event axes."""
        return self._ndims

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def params(self):
        return self._distribution.params

    @property
    def xp(self):
        return self._distribution.xp

    @property
    def support(self):
        return self._distribution.support

    def _reduce(self, value, product=False):
        if self._ndims == 0:
            return value
        axes = tuple(range(-self._ndims, 0))
        if product:
            from dbr.functions.math.prod import prod
            return prod(value, axis=axes)
        from dbr.functions.math.sum import sum as sum_
        return sum_(value, axis=axes)

    def _checked(self, x, method):
        # Only the shape is checked here; the base distribution converts x its own way
        # (category labels stay integers).
        if not hasattr(x, 'shape'):
            x = utils.as_input(x, next(iter(self.params.values())))
        self._check_x(x, method)
        return x

    def log_prob(self, x):
        return self._reduce(self._distribution.log_prob(self._checked(x, 'log_prob')))

    def prob(self, x):
        return self._reduce(self._distribution.prob(self._checked(x, 'prob')), True)

    def cdf(self, x):
        return self._reduce(self._distribution.cdf(self._checked(x, 'cdf')), True)

    def log_cdf(self, x):
        return self._reduce(self._distribution.log_cdf(self._checked(x, 'log_cdf')))

    def survival_function(self, x):
        return self._reduce(
            self._distribution.survival_function(self._checked(x, 'survival_function')), True)

    def log_survival_function(self, x):
        return self._reduce(self._distribution.log_survival_function(
            self._checked(x, 'log_survival_function')))

    def perplexity(self, x):
        return self._reduce(self._distribution.perplexity(self._checked(x, 'perplexity')), True)

    def icdf(self, x):
        """Not defined: a CDF of several variables has no inverse.

        Raises:
            RuntimeError: Always.
        """
        raise RuntimeError('Independent.icdf: the CDF of a multivariate distribution is not '
                           'invertible')

    @property
    def entropy(self):
        return self._reduce(self._distribution.entropy)

    @property
    def mean(self):
        return self._distribution.mean

    @property
    def mode(self):
        return self._distribution.mode

    @property
    def stddev(self):
        return self._distribution.stddev

    @property
    def variance(self):
        return self._distribution.variance

    @utils.cached_property
    def covariance(self):
        """Variable: The block-diagonal covariance of the flattened event, of shape
        ``batch_shape + (m d, m d)`` for ``m`` reinterpreted elements with events of size
        ``d`` (the base's covariance, or its variance for scalar events, on the diagonal).
        """
        base = self._distribution
        m = 1
        for s in self._event_shape[:self._ndims]:
            m *= s
        d = 1
        for s in base.event_shape:
            d *= s
        blocks = base.covariance if base.event_shape else base.variance
        blocks = blocks.reshape(self._batch_shape + (m, d, 1, d))
        xp = self.xp
        eye = xp.eye(m, dtype=blocks.dtype).reshape(m, 1, m, 1)
        return (blocks * eye).reshape(self._batch_shape + (m * d, m * d))

    def sample_n(self, n):
        return self._distribution.sample_n(n)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError(f'kl_divergence: Independent event shapes differ: {p.event_shape} and '
                         f'{q.event_shape}')
    bp, bq = p.distribution, q.distribution
    if tuple(bp.event_shape) != tuple(bq.event_shape):
        raise NotImplementedError(
            f'kl_divergence: Independent distributions whose base distributions have '
            f'different event shapes ({bp.event_shape} and {bq.event_shape}) are not supported')
    kl = kl_divergence(bp, bq)
    n = len(p.event_shape) - len(bp.event_shape)
    if n == 0:
        return kl
    from dbr.functions.math.sum import sum as sum_
    return sum_(kl, axis=tuple(range(-n, 0)))
