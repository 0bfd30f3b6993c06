"""``NStepGRU`` and ``NStepBiGRU`` links."""
from dbr.functions.rnn.n_step_gru import n_step_bigru, n_step_gru
from dbr.links.rnn._n_step_base import NStepRNNBase, _as_list


class NStepGRU(NStepRNNBase):
    """Stacked unidirectional GRU over a batch of variable-length sequences.

    Parameters are ``self[layer].w0 .. w5``/``b0 .. b5`` in the layout of
    :func:`dbr.functions.n_step_gru`.

    Example:
        >>> rnn = L.NStepGRU(1, 4, 3, 0.0)
        >>> hy, ys = rnn(None, [numpy.zeros((2, 4), 'f')])
        >>> hy.shape
        (1, 1, 3)
    """

    n_weights = 6
    rnn = staticmethod(n_step_gru)

    def forward(self, hx, xs, **kwargs):
        """Runs the GRU: returns ``(hy, ys)``; ``hx`` may be None (zeros)."""
        return self._call([hx], _as_list(xs), kwargs)


class NStepBiGRU(NStepGRU):
    """Stacked bidirectional GRU.

    Example:
        >>> hy, ys = L.NStepBiGRU(1, 4, 3, 0.0)(None, [numpy.zeros((2, 4), 'f')])
    """

    use_bi_direction = True
    rnn = staticmethod(n_step_bigru)
