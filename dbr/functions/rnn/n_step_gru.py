"""Stacked GRUs over variable-length sequences: ``n_step_gru`` and ``n_step_bigru``."""
from dbr.functions.rnn._cudnn_rnn import n_step


def n_step_gru(n_layers, dropout_ratio, hx, ws, bs, xs):
    """Stacked unidirectional GRU over a batch of sequences of any lengths, in any order.

    Gate layout (Chainer's): ``ws[l][0:3]`` multiply the input, ``ws[l][3:6]`` the hidden
    state, gates r, z, n: ``r = sigmoid(W0 x + b0 + W3 h + b3)``,
    ``z = sigmoid(W1 x + b1 + W4 h + b4)``, ``n = tanh(W2 x + b2 + r * (W5 h + b5))``,
    ``h' = (1 - z) * n + z * h``.

    On CuPy arrays it may run on cuDNN, and a double backprop then takes the differentiable
    CuPy path: see :func:`n_step_lstm`.

    Args:
        n_layers (int): Number of layers.
        dropout_ratio (float): Dropout on the inputs of layers 1..n_layers-1 (train mode only).
        hx: Initial hidden states (n_layers, batch, out_size), or None for zeros.
        ws: ``n_layers`` lists of 6 weight matrices.
        bs: ``n_layers`` lists of 6 bias vectors.
        xs: List of (length_i, in_size) sequences in any order.

    Returns:
        tuple: ``(hy, ys)``.

    Example:
        >>> hy, ys = F.n_step_gru(1, 0.0, None, ws, bs, xs)  # doctest: +SKIP
    """
    return n_step('gru', 'n_step_gru', n_layers, dropout_ratio, hx, None, ws, bs, xs, 1)


def n_step_bigru(n_layers, dropout_ratio, hx, ws, bs, xs):
    """Stacked bidirectional GRU (layout as in :func:`n_step_bilstm`).

    Example:
        >>> hy, ys = F.n_step_bigru(1, 0.0, None, ws, bs, xs)  # doctest: +SKIP
    """
    return n_step('gru', 'n_step_bigru', n_layers, dropout_ratio, hx, None, ws, bs, xs, 2)
