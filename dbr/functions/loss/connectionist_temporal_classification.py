"""Connectionist temporal classification (CTC): sequence labelling without alignments."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation.log_softmax import log_softmax
from dbr.functions.loss._classification import check_labels, check_reduce
from dbr.variable import as_array

_LABEL = 'connectionist_temporal_classification'
# log(0) as a finite number (Chainer's choice): -inf would turn log-sum-exp into inf - inf.
# An impossible labelling therefore costs about 1e10 instead of inf, and its gradient stays
# finite (the softmax).
_LOG_ZERO = -1e10

_check_x_t = type_check.expects(
    'x, t', "x.dtype.kind == 'f'", 'x.ndim == 2', "t.dtype.kind == 'i'", 't.ndim == 2',
    't.shape[0] == x.shape[0]', '0 <= self.blank_symbol < x.shape[1]')
_check_input_length = type_check.expects(
    'x, input_length', "input_length.dtype.kind == 'i'", 'input_length.shape == x.shape[:1]')
_check_label_length = type_check.expects(
    'x, label_length', "label_length.dtype.kind == 'i'", 'label_length.shape == x.shape[:1]')


def _forward_variables(xp, log_emit, skip_penalty):
    """Log forward variables ``alpha`` of the CTC lattice, one time step at a time.

    Args:
        log_emit: ``(T, B, S)`` log-probability of emitting path symbol ``s`` at time ``t``.
        skip_penalty: ``(B, S)``, 0 where ``s - 2 -> s`` is an allowed transition (``s`` is a
            label that differs from the label two steps back), ``_LOG_ZERO`` elsewhere.

    Returns:
        ``(T, B, S + 2)`` array; columns 0 and 1 are log-zero padding so ``s - 1`` and
        ``s - 2`` never fall off the left edge, and column ``s + 2`` holds ``alpha[t, b, s]``.
    """
    n_time, n_batch, n_path = log_emit.shape
    alpha = xp.full((n_time, n_batch, n_path + 2), _LOG_ZERO, log_emit.dtype)
    prev = xp.full((n_batch, n_path + 2), _LOG_ZERO, log_emit.dtype)
    prev[:, 2] = 0  # every path starts in state 0 (a blank) or, through s - 1, in state 1
    for step in range(n_time):
        stay = prev[:, 2:]
        advance = prev[:, 1:-1]
        skip = prev[:, :-2] + skip_penalty
        m = xp.maximum(xp.maximum(stay, advance), skip)
        total = xp.exp(stay - m)
        total += xp.exp(advance - m)
        total += xp.exp(skip - m)
        cur = alpha[step]
        cur[:, 2:] = xp.log(total) + m + log_emit[step]
        prev = cur
    return alpha


def _skip_penalty(xp, path, dtype):
    pen = xp.full(path.shape, _LOG_ZERO, dtype)
    pen[:, 2:] = xp.where(path[:, 2:] != path[:, :-2], 0, _LOG_ZERO)
    return pen


class ConnectionistTemporalClassification(FunctionNode):
    """CTC loss of the softmax of each ``x[t]`` (inputs: the ``T`` arrays ``(B, V)``)."""

    def __init__(self, t, input_length, label_length, blank_symbol, reduce):
        self.t = t
        self.input_length = input_length
        self.label_length = label_length
        self.blank_symbol = blank_symbol
        self.reduce = reduce

    def check_type_forward(self, in_types):
        x0 = in_types[0]
        _check_x_t(self, (x0, self.t))
        for i, xi in enumerate(in_types):
            if xi.shape != x0.shape or xi.dtype != x0.dtype:
                raise type_check.InvalidType(
                    'every x[i] with the shape and dtype of x[0]',
                    f'x[0]: shape={x0.shape}, dtype={x0.dtype}; x[{i}]: shape={xi.shape}, '
                    f'dtype={xi.dtype}', self.label)
        if self.input_length is not None:
            _check_input_length(self, (x0, self.input_length))
        if self.label_length is not None:
            _check_label_length(self, (x0, self.label_length))

    def _lengths(self, xp, n_time, n_batch, max_label):
        """Validated input and label lengths as host arrays (defaults: everything)."""
        lengths = []
        for name, given, limit, low in (('input_length', self.input_length, n_time, 1),
                                        ('label_length', self.label_length, max_label, 0)):
            if given is None:
                lengths.append(numpy.full(n_batch, limit, numpy.int64))
                continue
            host = backend.to_cpu(given).astype(numpy.int64)
            if host.size and (host.min() < low or host.max() > limit):
                raise ValueError(f'{_LABEL}: {name} must be in [{low}, {limit}], got '
                                 f'{host.tolist()}')
            lengths.append(host)
        return lengths

    def forward(self, inputs):
        xp = backend.get_array_module(inputs[0])
        # Retained only so that the gradient node links to x (see CTCGrad); no copy is made.
        self.retain_inputs(tuple(range(len(inputs))))
        t = self.t
        x = xp.stack(inputs)
        n_time, n_batch, n_vocab = x.shape
        max_label = t.shape[1]
        in_len, lab_len = self._lengths(xp, n_time, n_batch, max_label)
        in_len = xp.asarray(in_len)
        path_len = xp.asarray(2 * lab_len + 1)
        # Labels past label_length are padding: any value may be there.
        in_label = xp.arange(max_label) < xp.asarray(lab_len)[:, None]
        t = xp.where(in_label, t, 0)
        check_labels(xp, t, n_vocab, None, _LABEL)
        if bool((in_label & (t == self.blank_symbol)).any()):
            raise ValueError(f'{_LABEL}: labels must differ from blank_symbol='
                             f'{self.blank_symbol} (within label_length)')

        dtype = numpy.float64 if x.dtype == numpy.float64 else numpy.float32
        x = x.astype(dtype, copy=False)
        log_y = log_softmax(x, axis=2).array
        path = xp.full((n_batch, 2 * max_label + 1), self.blank_symbol, t.dtype)
        path[:, 1::2] = t
        batch = xp.arange(n_batch)
        log_emit = log_y[:, batch[:, None], path]
        alpha = _forward_variables(xp, log_emit, _skip_penalty(xp, path, dtype))
        # A labelling ends in its last label or in the blank after it (padded columns: +2).
        last = alpha[in_len - 1, batch]
        log_p = xp.logaddexp(last[batch, path_len + 1], last[batch, path_len])
        self._state = (log_y, log_emit, alpha, path, in_len, path_len, log_p)
        loss = -log_p
        if self.reduce == 'mean':
            loss = loss.sum() / max(n_batch, 1)
        return xp.asarray(loss, dtype=inputs[0].dtype),

    def _gradient(self):
        """``softmax(x) - posterior(label | x)`` per time step (zero past input_length)."""
        log_y, log_emit, alpha, path, in_len, path_len, log_p = self._state
        xp = backend.get_array_module(log_y)
        n_time, n_batch, n_vocab = log_y.shape
        n_path = path.shape[1]
        batch = xp.arange(n_batch)
        # The backward variables are the forward variables of each sequence reversed in
        # time (within input_length) and in path position (within 2 * label_length + 1).
        rev_t = (in_len[None, :] - 1 - xp.arange(n_time)[:, None]) % n_time
        rev_s = (path_len[:, None] - 1 - xp.arange(n_path)[None, :]) % n_path
        rev_path = path[batch[:, None], rev_s]
        rev_emit = log_emit[rev_t[:, :, None], batch[None, :, None], rev_s[None]]
        rev_beta = _forward_variables(xp, rev_emit, _skip_penalty(xp, rev_path, log_y.dtype))
        beta = rev_beta[:, :, 2:][rev_t[:, :, None], batch[None, :, None], rev_s[None]]
        # alpha and beta both include the emission at t: remove it once.
        log_gamma = alpha[:, :, 2:] + beta - log_emit - log_p[:, None]
        in_time = xp.arange(n_time)[:, None] < in_len[None, :]
        valid = in_time[:, :, None] & (xp.arange(n_path) < path_len[:, None])[None]
        gamma = xp.exp(xp.where(valid, log_gamma, _LOG_ZERO))
        # Sum the occupation of the path states that emit the same symbol.
        flat = (xp.arange(n_time * n_batch).reshape(n_time, n_batch, 1) * n_vocab
                + path[None])
        posterior = xp.bincount(flat.ravel(), weights=gamma.ravel(),
                                minlength=n_time * n_batch * n_vocab)
        grad = xp.exp(log_y)
        grad -= posterior.reshape(grad.shape).astype(grad.dtype, copy=False)
        grad *= in_time[:, :, None]
        return grad

    def backward(self, indexes, grad_outputs):
        return CTCGrad(self._gradient(), self.reduce).apply(
            self.get_retained_inputs() + tuple(grad_outputs))


class CTCGrad(FunctionNode):
    """Scales the precomputed CTC gradient by ``gy`` and splits it into the ``T`` inputs.

    Its inputs are ``x[0], ..., x[T - 1], gy``: the ``x`` are not read, but taking them keeps
    the graph connected, so differentiating the gradient w.r.t. ``x`` raises instead of
    silently giving no gradient.
    """

    def __init__(self, grad, reduce):
        self.grad = grad
        self.reduce = reduce

    def forward(self, inputs):
        gy = inputs[-1]
        g = self.grad
        if self.reduce == 'mean':
            g = g * (gy / max(g.shape[1], 1))
        else:
            g = g * gy[:, None]
        g = g.astype(gy.dtype, copy=False)
        return tuple(g)

    def backward(self, indexes, grad_outputs):
        raise NotImplementedError(
            f'{_LABEL}: double backprop is not supported (its gradient is computed by the '
            f'forward-backward algorithm, which is not itself differentiated)')


def connectionist_temporal_classification(x, t, blank_symbol, input_length=None,
                                          label_length=None, reduce='mean'):
    """CTC loss: ``-log p(t | x)`` summed over all alignments of ``t`` to the inputs.

    The softmax over the vocabulary is applied inside (pass unnormalized scores), and the
    forward-backward recursions run in log space, vectorized over the batch.

    Args:
        x (list or tuple): ``T`` Variables or arrays of shape ``(B, V)``: the scores at each
            time step.
        t: Variable or signed integer array ``(B, L)`` of label sequences (padded past
            ``label_length``); labels must be in ``[0, V)``.
        blank_symbol (int): Index of the blank in ``[0, V)``.
        input_length: Optional integer array ``(B,)`` of sequence lengths in ``[1, T]``
            (default: ``T``).
        label_length: Optional integer array ``(B,)`` of label lengths in ``[0, L]``
            (default: ``L``).
        reduce (str): ``'mean'`` (mean over the batch) or ``'no'`` (per-sequence, ``(B,)``).

    Returns:
        Variable: The loss. A labelling that cannot fit its input (too long for
        ``input_length``) gets a loss of about 1e10 rather than inf.

    Raises:
        ValueError: For labels outside ``[0, V)``, lengths out of range, or a bad option.

    Example:
        >>> x = [dbr.Variable(numpy.zeros((1, 3), 'f')) for _ in range(2)]
        >>> F.connectionist_temporal_classification(x, numpy.array([[1]], 'i'), 0).array
        array(1.0986123, dtype=float32)
    """
    check_reduce(reduce, ('mean', 'no'), _LABEL)
    if not isinstance(x, (list, tuple)) or not x:
        raise TypeError(f'{_LABEL}: x must be a non-empty list or tuple of (B, V) Variables, '
                        f'got {type(x).__name__}')
    if isinstance(blank_symbol, bool) or not isinstance(blank_symbol, (int, numpy.integer)):
        raise TypeError(f'{_LABEL}: blank_symbol must be an int, got {blank_symbol!r}')
    node = ConnectionistTemporalClassification(
        as_array(t), None if input_length is None else as_array(input_length),
        None if label_length is None else as_array(label_length), int(blank_symbol), reduce)
    return node.apply(tuple(x))[0]
