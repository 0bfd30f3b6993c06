"""Linear-chain CRF: negative log-likelihood (forward algorithm) and Viterbi decoding."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.configuration import config
from dbr.functions.loss._simple_loss import check_reduce


def _array(a):
    return getattr(a, 'array', a)


def _describe(seq):
    if isinstance(seq, (list, tuple)):
        return f'a {type(seq).__name__} of length {len(seq)}'
    return type(seq).__name__


def _check(label, cost, xs, ys=None):
    """Checks the time-major layout; returns the batch size of every time step."""
    if not isinstance(xs, (list, tuple)) or not xs:
        raise ValueError(f'{label}: xs must be a non-empty list of (batch, n_label) arrays, got '
                         f'{_describe(xs)}')
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1] or cost.dtype.kind != 'f':
        raise type_check.InvalidType('cost a square float (n_label, n_label) matrix',
                                     f'cost.shape={tuple(cost.shape)}, cost.dtype={cost.dtype}',
                                     label)
    k = cost.shape[0]
    batches = []
    prev = None
    for i, x in enumerate(xs):
        if x.ndim != 2 or x.shape[1] != k or x.dtype != cost.dtype:
            raise type_check.InvalidType(
                f'xs[{i}] of shape (batch, {k}) (n_label = cost.shape[0]) and cost.dtype',
                f'xs[{i}].shape={tuple(x.shape)}, xs[{i}].dtype={x.dtype}, '
                f'cost.shape={tuple(cost.shape)}, cost.dtype={cost.dtype}', label)
        b = x.shape[0]
        if b == 0 or (prev is not None and b > prev):
            raise type_check.InvalidType(
                'batch sizes of xs positive and non-increasing (sequences sorted by decreasing '
                'length, then transposed, e.g. by transpose_sequence)',
                f'batch sizes {[x.shape[0] for x in xs]}', label)
        batches.append(b)
        prev = b
    if ys is None:
        return batches
    if not isinstance(ys, (list, tuple)) or len(ys) != len(xs):
        raise ValueError(f'{label}: ys must be a list with one label array per element of xs '
                         f'({len(xs)}), got {_describe(ys)}')
    for i, (y, b) in enumerate(zip(ys, batches)):
        y = _array(y)
        if y.shape != (b,) or y.dtype.kind not in 'iu':
            raise type_check.InvalidType(
                f'ys[{i}] an integer array of shape ({b},) (the batch size of xs[{i}])',
                f'ys[{i}].shape={tuple(y.shape)}, ys[{i}].dtype={y.dtype}', label)
        if y.size and (backend.get_array_module(y) is numpy or config.debug):
            lo, hi = int(y.min()), int(y.max())
            if lo < 0 or hi >= k:
                raise ValueError(f'{label}: labels must be in [0, {k}) (n_label), got values in '
                                 f'[{lo}, {hi}] in ys[{i}]')
    return batches


def _path_score(cost, xs, ys, batches):
    """Score of the label paths ``ys``: their unary costs plus their transition costs.

    Vectorized over all time steps: the costs of every (time, sequence) pair are gathered at
    once and summed per sequence with one scatter-add.
    """
    from dbr.functions.array.concat import concat
    from dbr.functions.array.reshape import reshape
    from dbr.functions.array.scatter_add import scatter_add
    from dbr.functions.array.select_item import select_item
    from dbr.functions.connection.embed_id import embed_id
    ys = [_array(y) for y in ys]
    xp = backend.get_array_module(ys[0])
    k = cost.shape[0]
    n = numpy.array(batches)
    offsets = numpy.cumsum(n) - n
    # seq[r]: the sequence (row of xs[0]) that flat row r of concat(xs) belongs to.
    seq = numpy.arange(n.sum()) - numpy.repeat(offsets, n)
    y = xp.concatenate(ys).astype(numpy.int32, copy=False)
    unary = select_item(concat(xs, axis=0) if len(xs) > 1 else xs[0], y)
    scores = unary
    if len(xs) > 1:
        # Row r >= offsets[1] is step t >= 1; its predecessor is row seq[r] of step t - 1.
        prev = seq[offsets[1]:] + numpy.repeat(offsets[:-1], n[1:])
        pair = y[xp.asarray(prev)] * k + y[offsets[1]:]
        trans = reshape(embed_id(pair, reshape(cost, (k * k, 1))), pair.shape)
        scores = concat([unary, trans], axis=0)
        seq = numpy.concatenate([seq, seq[offsets[1]:]])
    zeros = xp.zeros(batches[0], dtype=cost.dtype)
    return scatter_add(zeros, xp.asarray(seq), scores)


def crf1d(cost, xs, ys, reduce='mean'):
    """Negative log-likelihood of label sequences under a linear-chain CRF.

    With ``c[s, t]`` the cost of a transition from label ``s`` to ``t`` and ``x_i[y]`` the
    cost of label ``y`` at position ``i``, a sequence ``y_1 ... y_l`` scores
    ``sum_i x_i[y_i] + sum_i c[y_i, y_{i+1}]`` and its loss is ``log Z - score``, ``Z`` summing
    ``exp(score)`` over all label sequences (the forward algorithm with ``logsumexp``).

    Sequences of different lengths are given time-major, as :func:`transpose_sequence` makes
    them from sequences sorted by decreasing length: ``xs[i]`` holds position ``i`` of every
    sequence longer than ``i``, so the batch sizes of ``xs`` do not increase.

    Args:
        cost: Float Variable or array ``(K, K)``, the transition costs.
        xs (list): Variables or arrays ``(B_i, K)`` with ``B_0 >= B_1 >= ... >= 1``.
        ys (list): Integer arrays (or Variables) ``(B_i,)`` of labels in ``[0, K)``.
        reduce (str): ``'mean'`` for the losses summed and divided by ``B_0``, ``'no'`` for
            one loss per sequence.

    Returns:
        Variable: A scalar, or ``(B_0,)`` for ``reduce='no'``.

    Example:
        >>> cost = numpy.zeros((3, 3), 'f')
        >>> xs = [numpy.zeros((2, 3), 'f'), numpy.zeros((1, 3), 'f')]  # lengths 2 and 1
        >>> ys = [numpy.array([0, 1], 'i'), numpy.array([2], 'i')]
        >>> F.crf1d(cost, xs, ys, reduce='no').array  # log 9 and log 3
        array([2.1972246, 1.0986123], dtype=float32)
    """
    from dbr.functions.array.concat import concat
    from dbr.functions.array.expand_dims import expand_dims
    from dbr.functions.array.split_axis import split_axis
    from dbr.functions.math.logsumexp import logsumexp
    from dbr.functions.math.sum import sum as sum_
    label = 'crf1d'
    check_reduce(label, reduce, ('mean', 'no'))
    batches = _check(label, cost, xs, ys)
    alpha = xs[0]
    done = []
    for x, b in zip(xs[1:], batches[1:]):
        if alpha.shape[0] > b:
            alpha, rest = split_axis(alpha, [b], axis=0)
            done.append(rest)
        # alpha'[i, t] = logsumexp_s(alpha[i, s] + cost[s, t]) + x[i, t]
        alpha = logsumexp(expand_dims(alpha, 2) + cost, axis=1) + x
    if done:
        alpha = concat([alpha] + done[::-1], axis=0)
    loss = logsumexp(alpha, axis=1) - _path_score(cost, xs, ys, batches)
    if reduce == 'mean':
        return sum_(loss) * (1.0 / batches[0])
    return loss


def argmax_crf1d(cost, xs):
    """The most likely label sequences of a linear-chain CRF (Viterbi decoding).

    Args:
        cost: Float Variable or array ``(K, K)``, the transition costs.
        xs (list): Variables or arrays ``(B_i, K)``, time-major as in :func:`crf1d`.

    Returns:
        tuple: ``(score, path)``. ``score`` is a Variable ``(B_0,)``, the score of each
        sequence's best path (differentiable in ``cost`` and ``xs``, as the maximum is).
        ``path`` is a list of int32 arrays, ``path[i]`` of shape ``(B_i,)`` holding the labels
        at position ``i``.

    Example:
        >>> cost = numpy.array([[0., -5.], [-5., 0.]], 'f')  # changing label costs 5
        >>> xs = [numpy.array([[3., 0.]], 'f'), numpy.array([[0., 2.]], 'f')]
        >>> score, path = F.argmax_crf1d(cost, xs)  # 0 -> 0 scores 3, 0 -> 1 only 0
        >>> [p.tolist() for p in path], score.array.tolist()
        ([[0], [0]], [3.0])
    """
    batches = _check('argmax_crf1d', cost, xs)
    c = _array(cost)
    arrays = [_array(x) for x in xs]
    xp = backend.get_array_module(c)
    alpha = arrays[0]
    pointers = []
    ended = []  # alpha of the sequences ending at each step (None if none do)
    for x, b in zip(arrays[1:], batches[1:]):
        ended.append(alpha[b:] if alpha.shape[0] > b else None)
        s = alpha[:b, :, None] + c
        best = s.argmax(axis=1)
        pointers.append(best)
        alpha = s.max(axis=1) + x
    label = alpha.argmax(axis=1).astype(numpy.int32)
    path = [label]
    for best, rest in zip(pointers[::-1], ended[::-1]):
        label = best[xp.arange(label.shape[0]), label].astype(numpy.int32)
        if rest is not None:
            label = xp.concatenate([label, rest.argmax(axis=1).astype(numpy.int32)])
        path.append(label)
    path.reverse()
    return _path_score(cost, xs, path, batches), path
