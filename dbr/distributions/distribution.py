"""``Distribution``: the interface every probability distribution implements.

Shapes follow a sample-batch-event hierarchy: a distribution holds ``batch_shape`` independent
(not identically distributed) distributions, each over events of ``event_shape``.
``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape`` values, and the
probability functions take such values and return ``sample_shape + batch_shape`` results.
Everything is built from dbr functions, so it differentiates with respect to the parameters.
"""
import copy

import numpy

from dbr import backend


class Distribution:
    """Base class of probability distributions (Chainer's ``chainer.Distribution``).

    Subclasses define ``batch_shape``, ``event_shape``, ``params``, ``sample_n`` and whichever
    of the probability functions and statistics they support; the rest raise
    ``NotImplementedError`` naming the class. ``prob``, ``log_cdf``, ``survival_function``,
    ``log_survival_function``, ``stddev`` and ``perplexity`` default to their definitions in
    terms of the others.

    Example:
        >>> import dbr.distributions as D
        >>> d = D.Normal(numpy.zeros((4, 3), 'f'), scale=numpy.ones((4, 3), 'f'))
        >>> d.batch_shape, d.event_shape
        ((4, 3), ())
        >>> d.sample((6, 5)).shape
        (6, 5, 4, 3)
    """

    def _missing(self, what):
        return NotImplementedError(f'{type(self).__name__} does not implement {what}')

    # ----- shapes and parameters --------------------------------------------------------------
    @property
    def batch_shape(self):
        """tuple: The shape of the batch of independent distributions."""
        raise self._missing('batch_shape')

    @property
    def event_shape(self):
        """tuple: The shape of one event (one draw of one distribution of the batch)."""
        raise self._missing('event_shape')

    @property
    def params(self):
        """dict: The parameters of the distribution, name -> Variable."""
        raise self._missing('params')

    @property
    def xp(self):
        """The array module of the parameters (``numpy`` or ``cupy``)."""
        return backend.get_array_module(*self.params.values())

    @property
    def support(self):
        """str: A description of the support, e.g. ``'real'`` or ``'[0, 1]'``."""
        raise self._missing('support')

    # ----- sampling ---------------------------------------------------------------------------
    def sample(self, sample_shape=()):
        """Draws samples of shape ``sample_shape + batch_shape + event_shape``.

        Args:
            sample_shape (int or tuple of ints): The shape of the draws; an int ``n`` means
                ``(n,)`` and ``()`` one draw without a sample axis.

        Returns:
            Variable: The samples; for reparameterizable distributions they are differentiable
            with respect to the parameters.

        Example:
            >>> D.Normal(numpy.zeros(3, 'f'), scale=numpy.ones(3, 'f')).sample(2).shape
            (2, 3)
        """
        if isinstance(sample_shape, (int, numpy.integer)):
            sample_shape = (int(sample_shape),)
        else:
            sample_shape = tuple(sample_shape)
        n = 1
        for s in sample_shape:
            n *= s
        samples = self.sample_n(n)
        shape = sample_shape + tuple(self.batch_shape) + tuple(self.event_shape)
        return samples if samples.shape == shape else samples.reshape(shape)

    def sample_n(self, n):
        """Draws ``n`` samples, of shape ``(n,) + batch_shape + event_shape``.

        Subclasses override this rather than :meth:`sample`.
        """
        raise self._missing('sample_n')

    # ----- probability functions --------------------------------------------------------------
    def log_prob(self, x):
        """Log of the probability density/mass function at ``x``."""
        raise self._missing('log_prob')

    def prob(self, x):
        """Probability density/mass function at ``x`` (``exp(log_prob(x))`` by default)."""
        from dbr.functions.math.exp import exp
        return exp(self.log_prob(x))

    def cdf(self, x):
        """Cumulative distribution function at ``x``."""
        raise self._missing('cdf')

    def log_cdf(self, x):
        """Log of the cumulative distribution function at ``x``."""
        from dbr.functions.math.log import log
        return log(self.cdf(x))

    def icdf(self, x):
        """Inverse of the cumulative distribution function at probabilities ``x``."""
        raise self._missing('icdf')

    def survival_function(self, x):
        """``1 - cdf(x)``."""
        return 1 - self.cdf(x)

    def log_survival_function(self, x):
        """Log of the survival function at ``x``."""
        from dbr.functions.math.log import log
        return log(self.survival_function(x))

    def perplexity(self, x):
        """``exp(-log_prob(x))``."""
        from dbr.functions.math.exp import exp
        return exp(-self.log_prob(x))

    # ----- statistics -------------------------------------------------------------------------
    @property
    def mean(self):
        """Variable: The mean, of shape ``batch_shape + event_shape``."""
        raise self._missing('mean')

    @property
    def mode(self):
        """Variable: The mode."""
        raise self._missing('mode')

    @property
    def variance(self):
        """Variable: The (elementwise) variance."""
        raise self._missing('variance')

    @property
    def stddev(self):
        """Variable: The standard deviation, ``sqrt(variance)`` by default."""
        from dbr.functions.math.sqrt import sqrt
        return sqrt(self.variance)

    @property
    def covariance(self):
        """Variable: The covariance matrix of an event."""
        raise self._missing('covariance')

    @property
    def entropy(self):
        """Variable: The entropy, of shape ``batch_shape``."""
        raise self._missing('entropy')

    # ----- copying ----------------------------------------------------------------------------
    def _copy_to(self, target):
        target.__dict__ = copy.copy(self.__dict__)
        # Cached statistics belong to the graph of the original; the copy recomputes its own.
        target.__dict__.pop('_cache', None)
        return target

    def __copy__(self):
        return self._copy_to(type(self).__new__(type(self)))

    def copy(self):
        """A shallow copy sharing the parameter Variables.

        Example:
            >>> d2 = d.copy()  # doctest: +SKIP
        """
        return self.__copy__()

    def __repr__(self):
        return (f'<{type(self).__name__} batch_shape={tuple(self.batch_shape)} '
                f'event_shape={tuple(self.event_shape)}>')

    # ----- helpers for subclasses -------------------------------------------------------------
    def _check_x(self, x, method):
        """Checks that ``x`` ends with ``event_shape`` and broadcasts with the batch.

        Raises:
            ValueError: naming the distribution, the method and the shapes.
        """
        shape = x.shape
        event = tuple(self.event_shape)
        batch = tuple(self.batch_shape)
        ne = len(event)
        ok = len(shape) >= ne and (ne == 0 or tuple(shape[-ne:]) == event)
        if ok:
            try:
                numpy.broadcast_shapes(tuple(shape[:len(shape) - ne]), batch)
            except ValueError:
                ok = False
        if not ok:
            raise ValueError(f'{type(self).__name__}.{method}: x.shape={tuple(shape)} does not '
                             f'match batch_shape={batch} and event_shape={event} (x must be '
                             f'sample_shape + batch_shape + event_shape, batch axes may '
                             f'broadcast)')
