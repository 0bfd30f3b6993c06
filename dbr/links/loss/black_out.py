"""``BlackOut``: the BlackOut loss with its output word vectors and negative sampler."""
import numbers

import numpy

from dbr import link
from dbr.functions.loss.black_out import black_out
from dbr.links.connection._params import check_size
from dbr.utils.walker_alias import WalkerAlias
from dbr.variable import Parameter

_LABEL = 'BlackOut'


class BlackOut(link.Link):
    """BlackOut loss layer holding the output word vectors ``W (vocab, in_size)``.

    Negatives are drawn, ``sample_size`` per example, from the distribution proportional to
    ``counts`` by a :class:`~dbr.utils.WalkerAlias` sampler that follows the link to its
    device. See :func:`~dbr.functions.black_out`.

    As in Chainer, ``W`` starts filled with NaN (a Parameter without an initializer): assign
    its values, e.g. ``bo.W.array[...] = ...``, before training.

    Args:
        in_size (int): Size of the input vectors.
        counts: Sequence of word counts (non-negative); its length is the vocabulary size.
        sample_size (int): Number of negatives per example.

    Attributes:
        W (Parameter): Output word vectors ``(len(counts), in_size)``.
        sampler (WalkerAlias): The negative sampler.
        sample_size (int): As given.
        sample_data: None, or an integer array ``(batch, sample_size)`` used instead of
            drawing negatives (for tests).

    Example:
        >>> bo = L.BlackOut(3, [5, 1, 2, 2], sample_size=2)
        >>> bo.W.array[...] = numpy.random.randn(4, 3)
        >>> bo(numpy.ones((2, 3), 'f'), numpy.array([0, 3], 'i')).shape
        ()
    """

    sample_data = None

    def __init__(self, in_size, counts, sample_size):
        super().__init__()
        in_size = check_size(in_size, 'in_size', _LABEL)
        if (isinstance(sample_size, bool) or not isinstance(sample_size, numbers.Integral)
                or sample_size < 0):
            raise TypeError(f'{_LABEL}: sample_size must be a non-negative int, got '
                            f'{sample_size!r}')
        self.sample_size = int(sample_size)
        p = numpy.array(counts, dtype=numpy.float64)
        if p.ndim != 1 or p.size == 0 or not numpy.isfinite(p).all() or (p < 0).any():
            raise ValueError(f'{_LABEL}: counts must be a non-empty 1-D sequence of finite, '
                             f'non-negative numbers, got shape {p.shape}')
        self.sampler = WalkerAlias(p)
        with self.init_scope():
            self.W = Parameter(None, (p.size, in_size))

    def to_device(self, device):
        """Moves ``W`` and the sampler's table to ``device``. Returns ``self``.

        Example:
            >>> bo.to_device('@cupy:0')  # doctest: +SKIP
        """
        super().to_device(device)
        self.sampler.to_device(self._device)
        return self

    def forward(self, x, t):
        """Computes the mean BlackOut loss of inputs ``x (N, in_size)`` against words ``t (N,)``.

        Args:
            x: Variable or array of input vectors.
            t: Integer labels (-1 ignores a row).

        Returns:
            Variable: The scalar loss.

        Example:
            >>> loss = bo(x, t)  # doctest: +SKIP
        """
        if self.sample_data is not None:
            samples = self.sample_data
        else:
            # A parent's to_device moves W but not the sampler: catch up before sampling.
            if self.sampler.device != self._device:
                self.sampler.to_device(self._device)
            samples = self.sampler.sample((x.shape[0], self.sample_size))
        return black_out(x, t, self.W, samples)
