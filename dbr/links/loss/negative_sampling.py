"""``NegativeSampling``: the negative sampling loss with its word vectors and sampler."""
import numbers

import numpy

from dbr import initializers
from dbr import link
from dbr.configuration import get_dtype
from dbr.functions.loss.negative_sampling import negative_sampling
from dbr.links.connection._params import check_size
from dbr.utils.walker_alias import WalkerAlias
from dbr.variable import Parameter

_LABEL = 'NegativeSampling'


class NegativeSampling(link.Link):
    """Negative sampling loss layer holding the output word vectors ``W (vocab, in_size)``.

    Negatives are drawn from the unigram distribution raised to ``power``,
    ``P(w) ~ counts[w] ** power``, by a :class:`~dbr.utils.WalkerAlias` sampler that follows
    the link to its device.

    Args:
        in_size (int): Size of the input vectors.
        counts: Sequence of word counts; its length is the vocabulary size.
        sample_size (int): Number of negatives per example.
        power (float): Exponent applied to the counts.
        dtype: Dtype of ``W`` (``config.dtype`` when None).

    Attributes:
        W (Parameter): Output word vectors, zero at the start.
        sampler (WalkerAlias): The negative sampler.
        sample_size (int): As given.

    Example:
        >>> ns = L.NegativeSampling(3, [5, 1, 2, 2], sample_size=2)
        >>> ns(numpy.ones((2, 3), 'f'), numpy.array([0, 3], 'i')).shape
        ()
    """

    def __init__(self, in_size, counts, sample_size, power=0.75, dtype=None):
        super().__init__()
        in_size = check_size(in_size, 'in_size', _LABEL)
        if (isinstance(sample_size, bool) or not isinstance(sample_size, numbers.Integral)
                or sample_size < 0):
            raise TypeError(f'{_LABEL}: sample_size must be a non-negative int, got '
                            f'{sample_size!r}')
        self.sample_size = int(sample_size)
        dtype = get_dtype(dtype)
        p = numpy.array(counts, dtype=numpy.float64)
        if p.ndim != 1 or p.size == 0 or not numpy.isfinite(p).all() or (p < 0).any():
            raise ValueError(f'{_LABEL}: counts must be a non-empty 1-D sequence of finite, '
                             f'non-negative numbers, got shape {p.shape}')
        with numpy.errstate(divide='ignore', over='ignore'):
            # A count of 0 with power < 0 gives inf, which WalkerAlias rejects by name.
            self.sampler = WalkerAlias(p ** power)
        with self.init_scope():
            self.W = Parameter(initializers.Zero(dtype), (p.size, in_size))

    def to_device(self, device):
        """Moves ``W`` and the sampler's table to ``device``. Returns ``self``.

        Example:
            >>> ns.to_device('@cupy:0')  # doctest: +SKIP
        """
        super().to_device(device)
        self.sampler.to_device(self._device)
        return self

    def forward(self, x, t, reduce='sum', *, return_samples=False):
        """Computes the loss of inputs ``x`` ``(N, in_size)`` against words ``t`` ``(N,)``.

        Args:
            x: Variable or array of input vectors.
            t: Integer labels (-1 ignores a row).
            reduce (str): ``'sum'`` for a scalar loss, ``'no'`` for one per row.
            return_samples (bool): Also return the ``(N, sample_size + 1)`` samples, whose
                first column is ``t``.

        Returns:
            Variable, or ``(Variable, samples)`` when ``return_samples`` is True.

        Example:
            >>> loss = ns(x, t)  # doctest: +SKIP
        """
        # A parent's to_device moves W but not the sampler: catch up before sampling.
        if self.sampler.device != self._device:
            self.sampler.to_device(self._device)
        return negative_sampling(x, t, self.W, self.sampler.sample, self.sample_size,
                                 reduce=reduce, return_samples=return_samples)
