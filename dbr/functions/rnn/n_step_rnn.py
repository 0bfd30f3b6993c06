"""Stacked Elman RNNs over variable-length sequences: ``n_step_rnn`` and ``n_step_birnn``."""
from dbr.functions.rnn._cudnn_rnn import n_step


def _check_activation(label, activation):
    if activation not in ('tanh', 'relu'):
        raise ValueError(f"{label}: activation must be 'tanh' or 'relu', got {activation!r}")


def n_step_rnn(n_layers, dropout_ratio, hx, ws, bs, xs, activation='tanh'):
    """Stacked unidirectional RNN: ``h' = act(W0 x + b0 + W1 h + b1)``.

    On CuPy arrays it may run on cuDNN, and a double backprop then takes the differentiable
    CuPy path: see :func:`n_step_lstm`.

    Args:
        n_layers (int): Number of layers.
        dropout_ratio (float): Dropout on the inputs of layers 1..n_layers-1 (train mode only).
        hx: Initial hidden states (n_layers, batch, out_size), or None for zeros.
        ws: ``n_layers`` lists of 2 weight matrices (input, hidden).
        bs: ``n_layers`` lists of 2 bias vectors.
        xs: List of (length_i, in_size) sequences in any order.
        activation (str): ``'tanh'`` or ``'relu'``.

    Returns:
        tuple: ``(hy, ys)``.

    Example:
        >>> hy, ys = F.n_step_rnn(1, 0.0, None, ws, bs, xs)  # doctest: +SKIP
    """
    _check_activation('n_step_rnn', activation)
    return n_step('rnn', 'n_step_rnn', n_layers, dropout_ratio, hx, None, ws, bs, xs, 1,
                  activation)


def n_step_birnn(n_layers, dropout_ratio, hx, ws, bs, xs, activation='tanh'):
    """Stacked bidirectional RNN (layout as in :func:`n_step_bilstm`).

    Example:
        >>> hy, ys = F.n_step_birnn(1, 0.0, None, ws, bs, xs)  # doctest: +SKIP
    """
    _check_activation('n_step_birnn', activation)
    return n_step('rnn', 'n_step_birnn', n_layers, dropout_ratio, hx, None, ws, bs, xs, 2,
                  activation)
