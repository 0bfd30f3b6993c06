"""``NStepLSTM`` and ``NStepBiLSTM`` links."""
from dbr.functions.rnn.n_step_lstm import n_step_bilstm, n_step_lstm
from dbr.links.rnn._n_step_base import NStepRNNBase, _as_list


class NStepLSTM(NStepRNNBase):
    """Stacked unidirectional LSTM over a batch of variable-length sequences.

    Parameters are ``self[layer].w0 .. w7`` and ``b0 .. b7`` in the layout of
    :func:`dbr.functions.n_step_lstm` (gates i, f, g, o; w0-w3 on the input).

    Args:
        n_layers (int): Number of layers.
        in_size (int or None): Input size (None: from the first call).
        out_size (int): Hidden size.
        dropout (float): Dropout between layers (train mode only).
        initialW: Weight initializer (LeCunNormal by default).
        initial_bias: Bias initializer (zeros by default).

    Example:
        >>> rnn = L.NStepLSTM(2, 10, 20, 0.1)
        >>> hy, cy, ys = rnn(None, None, [numpy.zeros((3, 10), 'f'), numpy.zeros((5, 10), 'f')])
        >>> hy.shape, ys[1].shape
        ((2, 2, 20), (5, 20))
    """

    n_weights = 8
    rnn = staticmethod(n_step_lstm)

    def forward(self, hx, cx, xs, **kwargs):
        """Runs the LSTM: returns ``(hy, cy, ys)``; ``hx``/``cx`` may be None (zeros)."""
        return self._call([hx, cx], _as_list(xs), kwargs)


class NStepBiLSTM(NStepLSTM):
    """Stacked bidirectional LSTM; children ``self[2 * layer + d]``, outputs 2 * out_size.

    Example:
        >>> rnn = L.NStepBiLSTM(1, 4, 3, 0.0)
        >>> hy, cy, ys = rnn(None, None, [numpy.zeros((2, 4), 'f')])
        >>> hy.shape, ys[0].shape
        ((2, 1, 3), (2, 6))
    """

    use_bi_direction = True
    rnn = staticmethod(n_step_bilstm)
