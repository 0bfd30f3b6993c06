"""``CRF1d``: a linear-chain conditional random field holding its transition costs."""
import numpy

from dbr import initializers
from dbr import link
from dbr.functions.array.permutate import permutate
from dbr.functions.array.transpose_sequence import transpose_sequence
from dbr.functions.loss.crf1d import argmax_crf1d, crf1d
from dbr.links.connection._params import check_size, get_initializer
from dbr.variable import Parameter

_LABEL = 'CRF1d'


def _sort_by_length(xs):
    """Indices ordering the sequences ``xs`` by decreasing length (stable)."""
    return numpy.argsort([-len(x) for x in xs], kind='stable')


class CRF1d(link.Link):
    """Linear-chain CRF loss layer holding the transition costs ``cost (n_label, n_label)``.

    See :func:`~dbr.functions.crf1d` and :func:`~dbr.functions.argmax_crf1d`. Sequences are
    given time-major (``xs[i]`` is position ``i`` of every sequence longer than ``i``), or,
    with ``transpose=True``, as one ``(length, n_label)`` array per sequence in any order.

    Args:
        n_label (int): Number of labels.
        initial_cost: Initializer (scalar, array, name or callable) of ``cost``; zeros by
            default.

    Attributes:
        cost (Parameter): ``cost[s, t]`` is the score of a transition from label ``s`` to
            label ``t``.

    Example:
        >>> crf = L.CRF1d(3)
        >>> xs = [numpy.random.randn(4, 3).astype('f'), numpy.random.randn(2, 3).astype('f')]
        >>> ys = [numpy.array([0, 1, 2, 1], 'i'), numpy.array([2, 2], 'i')]
        >>> crf(xs, ys, transpose=True).shape  # sequences given batch-major
        ()
        >>> score, path = crf.argmax(xs, transpose=True)
        >>> [p.shape for p in path]
        [(4,), (2,)]
    """

    def __init__(self, n_label, initial_cost=None):
        super().__init__()
        n_label = check_size(n_label, 'n_label', _LABEL)
        shape = (n_label, n_label)
        with self.init_scope():
            self.cost = Parameter(get_initializer(initial_cost, initializers.Zero(), _LABEL,
                                                  'initial_cost', shape), shape)

    def forward(self, xs, ys, reduce='mean', transpose=False):
        """Negative log-likelihood of the label sequences ``ys`` given the costs ``xs``.

        Args:
            xs (list): Time-major ``(B_i, n_label)`` costs, or with ``transpose`` one
                ``(length, n_label)`` array per sequence.
            ys (list): Labels laid out as ``xs``: ``(B_i,)`` per step, or one ``(length,)``
                array per sequence.
            reduce (str): ``'mean'`` or ``'no'`` (one loss per sequence, in the order of
                ``xs`` also when ``transpose`` sorted them).
            transpose (bool): ``xs`` and ``ys`` are batch-major; they are sorted by length and
                transposed here.

        Returns:
            Variable: A scalar, or one loss per sequence.

        Example:
            >>> crf(xs, ys, reduce='no', transpose=True).shape  # doctest: +SKIP
            (2,)
        """
        if not transpose:
            return crf1d(self.cost, xs, ys, reduce)
        order = _sort_by_length(xs)
        xs = transpose_sequence([xs[i] for i in order])
        ys = transpose_sequence([ys[i] for i in order])
        loss = crf1d(self.cost, list(xs), list(ys), reduce)
        return loss if reduce == 'mean' else permutate(loss, order, inv=True)

    def argmax(self, xs, transpose=False):
        """The most likely label sequences (Viterbi).

        Args:
            xs (list): Time-major costs, or with ``transpose`` one ``(length, n_label)``
                array per sequence.
            transpose (bool): ``xs`` is batch-major; the paths come back batch-major too, one
                ``(length,)`` array per sequence, in the order of ``xs``.

        Returns:
            tuple: ``(score, path)``, the best score of each sequence (a Variable, in the
            order of ``xs``) and the labels (a list of int32 arrays).

        Example:
            >>> score, path = crf.argmax(xs, transpose=True)  # doctest: +SKIP
        """
        if not transpose:
            return argmax_crf1d(self.cost, xs)
        order = _sort_by_length(xs)
        score, path = argmax_crf1d(self.cost, list(transpose_sequence([xs[i] for i in order])))
        path = [p.array for p in transpose_sequence(path)]
        inverse = numpy.argsort(order)
        return permutate(score, order, inv=True), [path[i] for i in inverse]
