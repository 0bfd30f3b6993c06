"""BlackOut: a sampled softmax loss with weighted negative examples."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.configuration import config
from dbr.functions.loss._simple_loss import check_reduce


def _check_ids(label, name, ids, lo, n):
    """Raises ValueError unless ``ids`` lie in ``[lo, n)``; on a GPU only in debug mode."""
    if ids.size and (backend.get_array_module(ids) is numpy or config.debug):
        a, b = int(ids.min()), int(ids.max())
        if a < lo or b >= n:
            raise ValueError(f'{label}: {name} must be in [{lo}, {n}) (W.shape[0] = {n}), got '
                             f'values in [{a}, {b}]')


def _log1m_softmax(z, logz):
    """``log(1 - softmax(z)[:, 1:])`` for ``z (N, 1 + S)`` with ``logz = logsumexp(z, 1)``.

    ``log1p(-exp(z_s - logz))`` is accurate wherever ``z_s`` is not the row's maximum (then
    ``z_s - logz <= -log 2``). At the maximum it would lose everything once ``p_s`` rounds to 1,
    so there ``log(1 - p_s)`` is taken as ``logsumexp`` of the other entries minus ``logz``.
    """
    from dbr.functions.array.expand_dims import expand_dims
    from dbr.functions.math.exp import exp
    from dbr.functions.math.log1p import log1p
    from dbr.functions.math.logsumexp import logsumexp
    from dbr.functions.math.where import where
    zarr = z.array
    xp = backend.get_array_module(zarr)
    top = xp.arange(zarr.shape[1]) == zarr.argmax(axis=1)[:, None]
    neg_top = top[:, 1:]
    rest = logsumexp(where(top, -numpy.inf, z), axis=1) - logz
    d = z[:, 1:] - expand_dims(logz, 1)
    # Keep the unused branch finite: where() would pass its NaN gradient on as zero, but
    # log1p(-1) warns.
    d = where(neg_top, -1.0, d)
    return where(neg_top, expand_dims(rest, 1), log1p(-exp(d)))


def black_out(x, t, W, samples, reduce='mean'):
    """BlackOut loss: the target against sampled negatives, each weighted as a class.

    With the scores ``z_y = W[y] . x`` of the target ``t`` and the ``S`` negative samples, and
    ``p`` the softmax over those ``1 + S`` scores, the loss of an example is::

        -log p(t) - sum_s log(1 - p(s))

    (a sampled, discriminative approximation of the full softmax; the samples are usually drawn
    from a power of the unigram distribution, see :class:`~dbr.links.BlackOut`). ``log(1 -
    p(s))`` is computed without cancellation even when one score dominates. See `BlackOut:
    Speeding up Recurrent Neural Network Language Models With Very Large Vocabularies
    <https://arxiv.org/abs/1511.06909>`_.

    Args:
        x: Float Variable or array ``(N, D)``, the input vectors.
        t: Integer array ``(N,)`` of target ids in ``[0, V)``; ``-1`` marks an example to
            ignore (loss 0, no gradient).
        W: Variable or array ``(V, D)`` of ``x``'s dtype, the output word vectors.
        samples: Integer array ``(N, S)`` of negative ids in ``[0, V)``.
        reduce (str): ``'mean'`` for the loss summed over the examples and divided by ``N``,
            ``'no'`` for one loss per example.

    Returns:
        Variable: A scalar, or ``(N,)`` for ``reduce='no'``.

    Example:
        >>> x = numpy.ones((2, 3), 'f')
        >>> W = numpy.zeros((5, 3), 'f')
        >>> samples = numpy.array([[1, 2], [3, 4]], 'i')
        >>> F.black_out(x, numpy.array([0, 2], 'i'), W, samples, reduce='no').array
        array([1.9095426, 1.9095426], dtype=float32)
    """
    from dbr.functions.array.concat import concat
    from dbr.functions.array.expand_dims import expand_dims
    from dbr.functions.array.reshape import reshape
    from dbr.functions.connection.embed_id import embed_id
    from dbr.functions.math.logsumexp import logsumexp
    from dbr.functions.math.matmul import matmul
    from dbr.functions.math.sum import sum as sum_
    from dbr.functions.math.where import where
    label = 'black_out'
    check_reduce(label, reduce, ('mean', 'no'))
    t_arr = getattr(t, 'array', t)
    s_arr = getattr(samples, 'array', samples)
    ok = (x.ndim == 2 and x.dtype.kind == 'f' and W.ndim == 2 and W.dtype == x.dtype
          and W.shape[1] == x.shape[1] and t_arr.ndim == 1 and t_arr.dtype.kind in 'iu'
          and t_arr.shape[0] == x.shape[0] and s_arr.ndim == 2 and s_arr.dtype.kind in 'iu'
          and s_arr.shape[0] == x.shape[0])
    if not ok:
        raise type_check.InvalidType(
            'x (N, D) float, t (N,) int, W (V, D) of x.dtype, samples (N, S) int',
            f'x: shape={tuple(x.shape)}, dtype={x.dtype}; t: shape={tuple(t_arr.shape)}, '
            f'dtype={t_arr.dtype}; W: shape={tuple(W.shape)}, dtype={W.dtype}; samples: '
            f'shape={tuple(s_arr.shape)}, dtype={s_arr.dtype}', label)
    n, v = x.shape[0], W.shape[0]
    _check_ids(label, 't', t_arr, -1, v)
    _check_ids(label, 'samples', s_arr, 0, v)

    pos = sum_(embed_id(t_arr, W, ignore_label=-1) * x, axis=1)
    neg = reshape(matmul(embed_id(s_arr, W), expand_dims(x, 2)), s_arr.shape)
    z = concat([expand_dims(pos, 1), neg], axis=1)
    logz = logsumexp(z, axis=1)
    loss = logz - pos
    if s_arr.shape[1]:
        loss = loss - sum_(_log1m_softmax(z, logz), axis=1)
    loss = where(t_arr == -1, 0.0, loss)
    if reduce == 'mean':
        return sum_(loss) * (1.0 / max(n, 1))
    return loss
