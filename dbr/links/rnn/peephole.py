"""``StatefulPeepholeLSTM``: a stateful LSTM whose gates also see the cell state."""
from dbr import link
from dbr.functions.activation.sigmoid import sigmoid
from dbr.functions.activation.tanh import tanh
from dbr.links.connection.linear import Linear
from dbr.links.rnn._cell_state import CellState
from dbr.links.rnn._cell_state import gates_and_state
from dbr.links.rnn._cell_state import split_gates


class StatefulPeepholeLSTM(CellState, link.Chain):
    """A fully connected LSTM layer with peephole connections, keeping ``c`` and ``h``.

    With the stored state ``c``, ``h`` (zeros before the first step; no ``lateral`` term
    then), one step computes from the gate pre-activations ``upward(x) + lateral(h)``
    (``a, i, f, o`` interleaved per unit, as in :class:`LSTM`)::

        a = tanh(a)
        i = sigmoid(i + peep_i(c))
        f = sigmoid(f + peep_f(c))
        c' = a * i + f * c
        o = sigmoid(o + peep_o(c'))
        h' = o * tanh(c')

    and stores ``c'``, ``h'``. The state is not serialized; :meth:`reset_state` clears it.

    Args:
        in_size (int or None): Input size; None defers it to the first call.
        out_size (int): Size of the hidden and cell states.

    Attributes:
        upward (Linear): Input to gates, with bias.
        lateral (Linear): Hidden state to gates, without bias.
        peep_i, peep_f, peep_o (Linear): Cell state to the input, forget and output gates,
            without bias.
        state_size (int): Size of the states.

    Example:
        >>> rnn = L.StatefulPeepholeLSTM(3, 4)
        >>> rnn(numpy.zeros((2, 3), 'f')).shape
        (2, 4)
    """

    def __init__(self, in_size, out_size):
        super().__init__()
        self.state_size = out_size
        self.reset_state()
        with self.init_scope():
            self.upward = Linear(in_size, 4 * out_size)
            self.lateral = Linear(out_size, 4 * out_size, nobias=True)
            self.peep_i = Linear(out_size, out_size, nobias=True)
            self.peep_f = Linear(out_size, out_size, nobias=True)
            self.peep_o = Linear(out_size, out_size, nobias=True)

    def forward(self, x):
        """One step on the stored state.

        Args:
            x: Input ``(B, ...)`` with the state's batch size.

        Returns:
            Variable: The new hidden state ``(B, out_size)``, also stored as ``h``.

        Example:
            >>> y = rnn(x)  # doctest: +SKIP
        """
        lstm_in, c, _ = gates_and_state(self, x)
        a, i, f, o = split_gates(lstm_in)
        i = sigmoid(i + self.peep_i(c))
        f = sigmoid(f + self.peep_f(c))
        c = tanh(a) * i + f * c
        h = sigmoid(o + self.peep_o(c)) * tanh(c)
        self._store_state(c=c, h=h)
        return h
