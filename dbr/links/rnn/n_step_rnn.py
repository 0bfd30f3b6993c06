"""Elman RNN links: ``NStepRNNTanh``, ``NStepRNNReLU`` and their bidirectional forms."""
from dbr.functions.rnn.n_step_rnn import n_step_birnn, n_step_rnn
from dbr.links.rnn._n_step_base import NStepRNNBase, _as_list


class NStepRNNTanh(NStepRNNBase):
    """Stacked unidirectional RNN with tanh: ``h' = tanh(W0 x + b0 + W1 h + b1)``.

    Example:
        >>> hy, ys = L.NStepRNNTanh(1, 4, 3, 0.0)(None, [numpy.zeros((2, 4), 'f')])
    """

    n_weights = 2
    activation = 'tanh'
    rnn = staticmethod(n_step_rnn)

    def forward(self, hx, xs, **kwargs):
        """Runs the RNN: returns ``(hy, ys)``; ``hx`` may be None (zeros)."""
        return self._call([hx], _as_list(xs), kwargs)


class NStepRNNReLU(NStepRNNTanh):
    """Stacked unidirectional RNN with ReLU.

    Example:
        >>> hy, ys = L.NStepRNNReLU(1, 4, 3, 0.0)(None, [numpy.zeros((2, 4), 'f')])
    """

    activation = 'relu'


class NStepBiRNNTanh(NStepRNNTanh):
    """Stacked bidirectional RNN with tanh.

    Example:
        >>> hy, ys = L.NStepBiRNNTanh(1, 4, 3, 0.0)(None, [numpy.zeros((2, 4), 'f')])
    """

    use_bi_direction = True
    rnn = staticmethod(n_step_birnn)


class NStepBiRNNReLU(NStepBiRNNTanh):
    """Stacked bidirectional RNN with ReLU.

    Example:
        >>> hy, ys = L.NStepBiRNNReLU(1, 4, 3, 0.0)(None, [numpy.zeros((2, 4), 'f')])
    """

    activation = 'relu'
