"""Hierarchical softmax over a binary tree: ``-log P(t | x)`` as a product of sigmoids.

A word's probability is the product, over the internal nodes on the path from the root to its
leaf, of ``sigmoid(code * W[node] . x)`` with ``code`` +1 for a step to the left child and -1
to the right one. :class:`BinaryTreePaths` turns a tree of nested pairs into padded per-word
tables (node ids, codes, lengths), so that a batch costs one gather of ``W`` rows and a
batched dot product, with no Python loop over the examples.

Chainer had no public function for this (only ``L.BinaryHierarchicalSoftmax``); neither does
``dbr.functions``: use the link, or import :func:`binary_hierarchical_softmax` from this module.
"""
import numbers

import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._classification import check_labels, check_reduce

_LABEL = 'binary_hierarchical_softmax'
_IGNORE = -1
# A tree level with at most this many distinct nodes in a batch is scattered by a dense matmul,
# unless its one-hot matrix would exceed the element budget.
_DENSE_LEVEL_NODES = 256
_DENSE_MAX_ELEMENTS = 1 << 24


def _scatter_add_by_level(gW, paths, a, x):
    """``gW[paths[i, l]] += a[i, l] * x[i]`` on NumPy, one tree level (column ``l``) at a time.

    ``numpy.add.at`` is slow; the levels near the root hold few distinct nodes shared by most
    rows, so there a weighted one-hot matrix times ``x`` (one BLAS call) does the scatter,
    and ``add.at`` is left with the sparse deep levels, minus their padding.
    """
    n = x.shape[0]
    rows = numpy.arange(n)
    for level in range(paths.shape[1]):
        w = a[:, level]
        nodes, where = numpy.unique(paths[:, level], return_inverse=True)
        if nodes.size <= _DENSE_LEVEL_NODES and nodes.size * n <= _DENSE_MAX_ELEMENTS:
            onehot = numpy.zeros((nodes.size, n), x.dtype)
            onehot[where, rows] = w
            gW[nodes] += onehot @ x
        else:
            live = w != 0  # padding past a path's end, ignored rows
            numpy.add.at(gW, paths[live, level], w[live, None] * x[live])


def _is_word(node):
    return isinstance(node, numbers.Integral) and not isinstance(node, bool) and node >= 0


class BinaryTreePaths:
    """Per-word root-to-leaf paths of a binary tree, as padded arrays.

    The tree is made of pairs ``(left, right)`` (tuples) whose leaves are word ids
    (non-negative ints), like ``((0, 2), (1, (3, 4)))``. Internal nodes are numbered in
    pre-order, left subtree first, as Chainer numbers them (so a ``W`` trained by Chainer on the
    same tree lines up row for row). A bare word id is a tree of one leaf and no internal node.

    Args:
        tree: The tree.

    Attributes:
        n_vocab (int): One more than the largest word id.
        n_nodes (int): Number of internal nodes (the rows of ``W``).
        max_depth (int): Length of the longest path.
        paths (array): Int32 ``(n_vocab + 1, max_depth)``: the internal nodes on each word's
            path, root first, padded with 0. The extra last row (length 0) is what label -1
            picks, so an ignored example costs nothing.
        codes (array): Int8, same shape: +1 (left) or -1 (right) per step, 0 as padding.
        lengths (array): Int32 ``(n_vocab + 1,)``: path lengths.
        children (array): Int32 ``(n_nodes, 2)``: the left and right child of each internal
            node, an internal node id ``>= 0`` or ``-1 - word`` for a leaf.
        device: The :class:`dbr.backend.Device` holding the arrays.

    Raises:
        ValueError: A tuple that is not a pair, a word id twice, or no word at all.
        TypeError: A leaf that is not a non-negative int.

    Example:
        >>> p = BinaryTreePaths(((0, 2), 1))
        >>> p.n_nodes, p.paths[2].tolist(), p.codes[2].tolist()
        (2, [0, 1], [1, -1])
    """

    def __init__(self, tree):
        leaves = {}
        children = []
        # Iterative pre-order walk: a deep, unbalanced tree must not hit the recursion limit.
        # Entries are (node, parent id, side, path so far, codes so far).
        stack = [(tree, -1, 0, (), ())]
        while stack:
            node, parent, side, path, code = stack.pop()
            if isinstance(node, tuple):
                if len(node) != 2:
                    raise ValueError(f'BinaryHierarchicalSoftmax: every internal node of the '
                                     f'tree must be a pair (left, right), got a tuple of '
                                     f'{len(node)}: {node!r}'[:300])
                node_id = len(children)
                children.append([0, 0])
                if parent >= 0:
                    children[parent][side] = node_id
                path = path + (node_id,)
                stack.append((node[1], node_id, 1, path, code + (-1,)))
                stack.append((node[0], node_id, 0, path, code + (1,)))  # left popped first
            else:
                if not _is_word(node):
                    raise TypeError(f'BinaryHierarchicalSoftmax: the leaves of the tree must '
                                    f'be word ids (non-negative ints), got {node!r}')
                word = int(node)
                if word in leaves:
                    raise ValueError(f'BinaryHierarchicalSoftmax: word {word} is a leaf of the '
                                     f'tree more than once')
                leaves[word] = (path, code)
                if parent >= 0:
                    children[parent][side] = -1 - word
        self.n_vocab = max(leaves) + 1
        self.n_nodes = len(children)
        self.max_depth = max(len(p) for p, _ in leaves.values())
        shape = (self.n_vocab + 1, self.max_depth)
        paths = numpy.zeros(shape, numpy.int32)
        codes = numpy.zeros(shape, numpy.int8)
        lengths = numpy.zeros(self.n_vocab + 1, numpy.int32)
        for word, (path, code) in leaves.items():
            n = len(path)
            paths[word, :n] = path
            codes[word, :n] = code
            lengths[word] = n
        self.paths = paths
        self.codes = codes
        self.lengths = lengths
        self.children = numpy.array(children, numpy.int32).reshape(-1, 2)
        # Ids below n_vocab that are not leaves have no probability; only such trees pay for
        # the check (index -1, the ignore row, counts as a leaf).
        self.is_leaf = None
        if len(leaves) < self.n_vocab:
            is_leaf = numpy.zeros(self.n_vocab + 1, bool)
            is_leaf[list(leaves)] = True
            is_leaf[-1] = True
            self.is_leaf = is_leaf
        self.device = backend.CpuDevice()

    @property
    def xp(self):
        """``numpy`` or ``cupy``, whichever holds the tables."""
        return self.device.xp

    def to_device(self, device):
        """Returns these tables on ``device`` (``self`` when already there; never in place).

        A new object rather than a move, so that link copies sharing the tables stay valid.

        Example:
            >>> gpu_paths = paths.to_device('@cupy:0')  # doctest: +SKIP
        """
        device = backend.get_device(device)
        if device == self.device:
            return self
        ret = object.__new__(BinaryTreePaths)
        ret.__dict__.update(self.__dict__)
        for name in ('paths', 'codes', 'lengths', 'children', 'is_leaf'):
            value = getattr(self, name)
            if value is not None:
                setattr(ret, name, device.send(value))
        ret.device = device
        return ret

    def check_words(self, xp, t, label):
        """Raises ValueError naming ``label`` for an id of ``t`` that is neither a leaf nor -1.

        Example:
            >>> paths.check_words(numpy, numpy.array([0, 7]), 'f')  # doctest: +SKIP
            ValueError: f: labels must be in [0, 5) or equal to ignore_label=-1; got 7 ...
        """
        check_labels(xp, t, self.n_vocab, _IGNORE, label)
        if self.is_leaf is not None and t.size:
            bad = ~self.is_leaf[t]
            if bool(bad.any()):
                shown = ', '.join(str(v) for v in numpy.unique(backend.to_cpu(t[bad]))[:5])
                raise ValueError(f'{label}: words {shown} are not leaves of the tree')


class BinaryHierarchicalSoftmax(FunctionNode):
    """``sum_l softplus(-c_l * W[n_l] . x)`` over each example's path ``(n_l, c_l)``."""

    check_type_forward = type_check.expects(
        'x, t, W', "x.dtype.kind == 'f'", 'x.ndim == 2', "t.dtype.kind in 'iu'", 't.ndim == 1',
        't.shape[0] == x.shape[0]', 'W.dtype == x.dtype', 'W.ndim == 2',
        'W.shape[0] == self.tree.n_nodes', 'W.shape[1] == x.shape[1]')

    def __init__(self, tree, reduce):
        self.tree = tree
        self.reduce = reduce

    def forward(self, inputs):
        x, t, W = inputs
        xp = backend.get_array_module(x)
        tree = self.tree
        if tree.xp is not xp:
            raise ValueError(f'{_LABEL}: the tree tables are on {tree.device} but x is a '
                             f'{xp.__name__} array; move them with to_device')
        tree.check_words(xp, t, _LABEL)
        # Label -1 picks the extra zero-length row: no separate mask is needed.
        depth = int(tree.lengths[t].max()) if t.size else 0
        paths = tree.paths[:, :depth][t]                    # (N, L)
        codes = tree.codes[:, :depth][t].astype(x.dtype)    # +-1, 0 past the path's end
        score = xp.matmul(W[paths], x[:, :, None])[:, :, 0]
        z = score * -codes
        self.retain_inputs((0, 2))
        self._paths = paths
        self._codes = codes
        self._z = z
        # softplus as logaddexp: stable for any |z|; |code| zeroes the padding terms.
        loss = (xp.logaddexp(z, x.dtype.type(0)) * abs(codes)).sum(axis=1)
        if self.reduce == 'sum':
            return xp.asarray(loss.sum(), dtype=x.dtype),
        return loss,

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gx, gW = BinaryHierarchicalSoftmaxGrad(self._paths, self._codes, self._z).apply(
            (x, W, grad_outputs[0]))
        return gx, None, gW


class BinaryHierarchicalSoftmaxGrad(FunctionNode):
    """Gradients w.r.t. ``x`` and ``W`` given the loss gradient ``gy``.

    With ``a[i, l] = -gy_i * c_il * sigmoid(-c_il * W[n_il] . x_i)`` (0 past a path's end):
    ``gx_i = sum_l a_il W[n_il]`` and ``gW[n_il] += a_il x_i``.
    """

    def __init__(self, paths, codes, z):
        self.paths = paths
        self.codes = codes
        self.z = z

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2))
        x, W, gy = inputs
        xp = backend.get_array_module(x)
        half = x.dtype.type(0.5)
        a = xp.tanh(self.z * half)  # sigmoid as tanh(z / 2) / 2 + 1 / 2: stable
        a *= half
        a += half
        a *= -self.codes
        a *= gy[:, None] if gy.ndim else gy
        gx = xp.matmul(a[:, None, :], W[self.paths])[:, 0, :]
        gW = xp.zeros_like(W)
        if xp is numpy:
            _scatter_add_by_level(gW, self.paths, a, x)
        else:
            xp.add.at(gW, self.paths, a[:, :, None] * x[:, None, :])  # atomic adds: fast
        return gx, gW

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        from dbr.functions.array.get_item import GetItemGrad, get_item
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.matmul import matmul
        from dbr.functions.math.sum import sum as sum_
        x, W, gy = self.get_retained_inputs()
        ggx, ggW = grad_outputs
        n, d = x.shape
        depth = self.paths.shape[1]
        c = self.codes
        w = get_item(W, self.paths)                                   # (n, L, d)
        sig = sigmoid(reshape(matmul(w, reshape(x, (n, d, 1))), (n, depth)) * -c)
        k = reshape(gy, (n, 1)) if gy.ndim else gy
        a = k * sig * -c
        # b[i, l] = ggx_i . w_il + ggW[n_il] . x_i pairs the first-order outputs with their
        # upstream gradients; the second-order terms are the derivatives of sum(a * b).
        b = None
        ggw = None
        if ggx is not None:
            b = matmul(w, reshape(ggx, (n, d, 1)))
        if ggW is not None:
            ggw = get_item(ggW, self.paths)
            bw = matmul(ggw, reshape(x, (n, d, 1)))
            b = bw if b is None else b + bw
        b = reshape(b, (n, depth))
        # d a / d score = k * c^2 * sig * (1 - sig); c^2 = |c| masks the padding.
        e = b * k * sig * (1 - sig) * abs(c)
        ret = []
        for i in indexes:
            if i == 0:
                g = matmul(reshape(e, (n, 1, depth)), w)
                if ggw is not None:
                    g = g + matmul(reshape(a, (n, 1, depth)), ggw)
                ret.append(reshape(g, (n, d)))
            elif i == 1:
                g = reshape(e, (n, depth, 1)) * reshape(x, (n, 1, d))
                if ggx is not None:
                    g = g + reshape(a, (n, depth, 1)) * reshape(ggx, (n, 1, d))
                ret.append(GetItemGrad((self.paths,), W.shape).apply((g,))[0])
            else:
                r = sum_(sig * -c * b, axis=1)
                ret.append(r if gy.ndim else sum_(r))
        return tuple(ret)


def binary_hierarchical_softmax(x, t, W, tree, reduce='sum'):
    """Hierarchical softmax loss ``-log P(t | x)`` over a binary tree of words.

    ``P(t | x)`` is the product of ``sigmoid(c_l * W[n_l] . x)`` over the internal nodes
    ``n_l`` on the path from the root to leaf ``t``, with ``c_l`` +1 where the path goes left
    and -1 where it goes right; the probabilities of all leaves sum to 1 for any ``x``.

    Args:
        x: Variable or array ``(N, D)`` of input vectors.
        t: Variable or integer array ``(N,)`` of word ids (leaves of the tree); -1 ignores a
            row (its loss is 0).
        W: Variable or array ``(n_nodes, D)``: one vector per internal node.
        tree: A :class:`BinaryTreePaths`, or a tree of nested pairs (parsed on every call:
            build the tables once for repeated use).
        reduce (str): ``'sum'`` for the summed (not averaged) loss, ``'no'`` for one per row.

    Returns:
        Variable: The loss, a scalar or ``(N,)``.

    Raises:
        ValueError: A word id that is not a leaf of the tree, or a bad option.

    Example:
        >>> tree = BinaryTreePaths(((0, 1), 2))
        >>> W = numpy.zeros((tree.n_nodes, 3), 'f')
        >>> x = numpy.ones((2, 3), 'f')
        >>> binary_hierarchical_softmax(x, numpy.array([0, 2], 'i'), W, tree).array
        array(2.0794415, dtype=float32)
    """
    check_reduce(reduce, ('sum', 'no'), _LABEL)
    if not isinstance(tree, BinaryTreePaths):
        tree = BinaryTreePaths(tree)
    return BinaryHierarchicalSoftmax(tree, reduce).apply((x, t, W))[0]
