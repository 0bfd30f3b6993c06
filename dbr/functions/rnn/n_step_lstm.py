"""Stacked LSTMs over variable-length sequences: ``n_step_lstm`` and ``n_step_bilstm``."""
from dbr.functions.rnn._cudnn_rnn import n_step


def n_step_lstm(n_layers, dropout_ratio, hx, cx, ws, bs, xs):
    """Stacked unidirectional LSTM over a batch of sequences of any lengths, in any order.

    Gate layout (Chainer's and cuDNN's): ``ws[l][0:4]`` multiply the input and ``ws[l][4:8]``
    the hidden state for the gates **i, f, g, o**; ``c = f * c_prev + i * g`` and
    ``h = o * tanh(c)``; gate ``q`` adds ``bs[l][q] + bs[l][q + 4]``.

    On CuPy arrays it runs on cuDNN when ``dbr.config.use_cudnn`` allows (``'auto'``: when
    cuDNN is available; ``'always'``: required; ``'never'``: the CuPy path). cuDNN's backward is
    not itself differentiable, so a double backprop (``enable_double_backprop=True``) through a
    cuDNN call re-runs the forward on the differentiable CuPy path; with dropout active in train
    mode that is impossible, and it raises (use ``use_cudnn='never'`` there).

    Args:
        n_layers (int): Number of layers.
        dropout_ratio (float): Dropout on the inputs of layers 1..n_layers-1 (train mode only).
        hx: Initial hidden states (n_layers, batch, out_size), or None for zeros.
        cx: Initial cell states, same shape, or None for zeros.
        ws: ``n_layers`` lists of 8 weight matrices; layer 0's input matrices are
            (out_size, in_size), the others (out_size, out_size).
        bs: ``n_layers`` lists of 8 bias vectors (out_size,).
        xs: List of (length_i, in_size) sequences; lengths need not be sorted.

    Returns:
        tuple: ``(hy, cy, ys)``: final hidden and cell states (n_layers, batch, out_size) and
        the list of top-layer outputs (length_i, out_size), in the order of ``xs``.

    Example:
        >>> hy, cy, ys = F.n_step_lstm(1, 0.0, None, None, ws, bs, xs)  # doctest: +SKIP
    """
    return n_step('lstm', 'n_step_lstm', n_layers, dropout_ratio, hx, cx, ws, bs, xs, 1)


def n_step_bilstm(n_layers, dropout_ratio, hx, cx, ws, bs, xs):
    """Stacked bidirectional LSTM; like :func:`n_step_lstm` with two directions per layer.

    ``ws[2 * l]``/``bs[2 * l]`` are layer ``l``'s forward direction and ``ws[2 * l + 1]`` its
    backward one; upper layers take both directions' outputs concatenated (2 * out_size), and
    ``ys[i]`` has 2 * out_size columns. ``hx``/``cx`` have 2 * n_layers rows.

    Example:
        >>> hy, cy, ys = F.n_step_bilstm(1, 0.0, None, None, ws, bs, xs)  # doctest: +SKIP
    """
    return n_step('lstm', 'n_step_bilstm', n_layers, dropout_ratio, hx, cx, ws, bs, xs, 2)
