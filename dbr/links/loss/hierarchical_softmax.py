"""``BinaryHierarchicalSoftmax``: a softmax over a large vocabulary in ``O(log V)`` per word."""
import collections.abc
import heapq
import math
import numbers

import numpy

from dbr import initializers
from dbr import link
from dbr.configuration import get_dtype
from dbr.functions.loss.binary_hierarchical_softmax import (BinaryTreePaths,
                                                            binary_hierarchical_softmax)
from dbr.links.connection._params import check_size
from dbr.variable import Parameter

_LABEL = 'BinaryHierarchicalSoftmax'


class BinaryHierarchicalSoftmax(link.Link):
    """Hierarchical softmax layer over a binary tree whose leaves are the words.

    Each internal node ``e`` of the tree holds a vector ``W[e]``. The probability of word ``t``
    given ``x`` is the product, over the path ``(e_1, b_1), ..., (e_m, b_m)`` from the root to
    the leaf ``t``, of ``sigmoid(b_i * W[e_i] . x)``, where ``b_i`` is +1 where the path goes to
    the left child and -1 where it goes right. These probabilities sum to 1 over the words, and
    one costs ``O(m)``: ``O(log V)`` on a balanced or Huffman tree
    (:meth:`create_huffman_tree`).

    Args:
        in_size (int): Size of the input vectors.
        tree: A binary tree of nested pairs (tuples) whose leaves are word ids, such as
            ``((0, 1), (2, (3, 4)))``; every word id appears once. Internal nodes are numbered in
            pre-order, left first: ``W[0]`` is the root's vector.
        dtype: Dtype of ``W`` (``config.dtype`` when None).

    Attributes:
        W (Parameter): ``(n_internal_nodes, in_size)``, uniform in ``[-1, 1]`` at the start.
        tree: The tree as given.
        paths (BinaryTreePaths): The per-word paths as arrays, on the link's device.

    Example:
        >>> counts = {0: 8, 1: 5, 2: 6, 3: 4}
        >>> tree = L.BinaryHierarchicalSoftmax.create_huffman_tree(counts)
        >>> tree
        ((3, 1), (2, 0))
        >>> hsm = L.BinaryHierarchicalSoftmax(5, tree)
        >>> hsm.W.shape
        (3, 5)
        >>> hsm(numpy.ones((2, 5), 'f'), numpy.array([0, 3], 'i')).shape
        ()
    """

    def __init__(self, in_size, tree, dtype=None):
        super().__init__()
        in_size = check_size(in_size, 'in_size', _LABEL)
        self.tree = tree
        self.paths = BinaryTreePaths(tree)
        dtype = get_dtype(dtype)
        with self.init_scope():
            self.W = Parameter(initializers.Uniform(1, dtype), (self.paths.n_nodes, in_size))

    def to_device(self, device):
        """Moves ``W`` and the path tables to ``device``. Returns ``self``.

        Example:
            >>> hsm.to_device('@cupy:0')  # doctest: +SKIP
        """
        super().to_device(device)
        self.paths = self.paths.to_device(self._device)
        return self

    def _current_paths(self):
        # A parent's to_device moves W but not the tables: catch up on first use.
        if self.paths.device != self._device:
            self.paths = self.paths.to_device(self._device)
        return self.paths

    def forward(self, x, t, reduce='sum'):
        """Computes ``-log P(t | x)`` for inputs ``x`` ``(N, in_size)`` and words ``t`` ``(N,)``.

        Args:
            x: Variable or array of input vectors.
            t: Integer word ids; -1 ignores a row.
            reduce (str): ``'sum'`` (Chainer's behaviour) for the loss summed over the batch,
                not averaged; ``'no'`` for one loss per row.

        Returns:
            Variable: The loss.

        Example:
            >>> loss = hsm(x, t)  # doctest: +SKIP
        """
        return binary_hierarchical_softmax(x, t, self.W, self._current_paths(), reduce)

    def sample(self, x):
        """Draws one word per row of ``x`` from ``P(word | x)``.

        The walk starts at the root of every row at once and goes left with probability
        ``sigmoid(W[node] . x)``, one tree level per step, until each row reaches a leaf.
        Draws use ``numpy.random`` (or ``cupy.random``).

        Args:
            x: Variable or array ``(N, in_size)``.

        Returns:
            array: Int32 ``(N,)`` word ids, on the link's device.

        Example:
            >>> hsm.sample(numpy.zeros((4, 5), 'f')).shape
            (4,)
        """
        x = getattr(x, 'array', x)
        W = self.W.array
        paths = self._current_paths()
        xp = paths.xp
        if getattr(x, 'ndim', None) != 2 or x.shape[1] != W.shape[1]:
            raise ValueError(f'{_LABEL}.sample: x must have shape (N, {W.shape[1]}), got '
                             f'{getattr(x, "shape", type(x).__name__)}')
        n = x.shape[0]
        if paths.n_nodes == 0:  # a one-word tree
            return xp.full(n, paths.n_vocab - 1, numpy.int32)
        node = xp.zeros(n, numpy.int32)
        word = xp.zeros(n, numpy.int32)
        active = xp.ones(n, bool)
        half = W.dtype.type(0.5)
        for _ in range(paths.max_depth):
            score = (W[node] * x).sum(axis=1)
            p_left = xp.tanh(score * half) * half + half
            right = (xp.random.uniform(0, 1, n) >= p_left).astype(numpy.int32)
            child = paths.children[node, right]
            leaf = active & (child < 0)
            word = xp.where(leaf, -1 - child, word)
            active &= child >= 0
            if not bool(active.any()):
                break
            node = xp.where(active, child, 0)
        return word

    @staticmethod
    def create_huffman_tree(word_counts):
        """Makes the Huffman tree of words from their counts.

        The two least frequent entries are merged into a pair ``(first, second)`` again and
        again, so frequent words get short paths. Ties in count go to the entry that came
        first in ``word_counts`` (a merged pair inherits the earlier position of its two
        parts), so the tree depends only on the counts and their order: the same as Chainer's.

        Args:
            word_counts (dict): Word (such as an int id) to count (int or float), e.g. a
                :class:`collections.Counter`.

        Returns:
            The tree, nested pairs of the keys; a bare key for a one-word vocabulary.

        Raises:
            ValueError: An empty vocabulary, or a negative or non-finite count.
            TypeError: ``word_counts`` is not a mapping, or a key is a tuple (it would read as
                an internal node).

        Example:
            >>> L.BinaryHierarchicalSoftmax.create_huffman_tree({0: 8, 1: 5, 2: 6, 3: 4})
            ((3, 1), (2, 0))
        """
        label = f'{_LABEL}.create_huffman_tree'
        if not isinstance(word_counts, collections.abc.Mapping):
            raise TypeError(f'{label}: word_counts must be a dict of word -> count, got '
                            f'{type(word_counts).__name__}')
        if not word_counts:
            raise ValueError(f'{label}: empty vocabulary (word_counts has no entry)')
        heap = []
        for order, (word, count) in enumerate(word_counts.items()):
            if isinstance(word, tuple):
                raise TypeError(f'{label}: words must not be tuples (tuples are the internal '
                                f'nodes of the tree), got {word!r}')
            if (not isinstance(count, numbers.Real) or not math.isfinite(count)
                    or count < 0):
                raise ValueError(f'{label}: counts must be finite non-negative numbers, got '
                                 f'{count!r} for word {word!r}')
            heap.append((count, order, word))
        heapq.heapify(heap)
        while len(heap) > 1:
            count1, order1, first = heapq.heappop(heap)
            count2, order2, second = heapq.heappop(heap)
            heapq.heappush(heap, (count1 + count2, min(order1, order2), (first, second)))
        return heap[0][2]
