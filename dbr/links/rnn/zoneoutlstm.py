"""``StatefulZoneoutLSTM``: a stateful LSTM regularized by zoneout."""
from dbr import link
from dbr.functions.activation.lstm import lstm
from dbr.functions.noise.zoneout import zoneout
from dbr.links.connection.linear import Linear
from dbr.links.rnn._cell_state import CellState
from dbr.links.rnn._cell_state import gates_and_state


class StatefulZoneoutLSTM(CellState, link.Chain):
    """A fully connected LSTM layer with zoneout, keeping ``c`` and ``h`` between calls.

    One step runs :func:`dbr.functions.lstm` on ``upward(x) + lateral(h)`` (no ``lateral``
    term on the first step, where ``c`` and ``h`` start as zeros), giving a candidate cell
    ``c~`` and output ``h~``. In training (``config.train``), each element of the new state
    keeps its previous value with probability ``c_ratio`` (cell) or ``h_ratio`` (output) and
    takes the candidate otherwise; outside training the candidates are taken as they are.
    The state is not serialized; :meth:`reset_state` clears it.

    Args:
        in_size (int or None): Input size; None defers it to the first call.
        out_size (int): Size of the hidden and cell states.
        c_ratio (float): Zoneout probability of the cell state.
        h_ratio (float): Zoneout probability of the hidden state.

    Attributes:
        upward (Linear): Input to gates (``a, i, f, o`` interleaved per unit), with bias.
        lateral (Linear): Hidden state to gates, without bias.
        c_ratio, h_ratio (float): As given.
        state_size (int): Size of the states.

    Example:
        >>> rnn = L.StatefulZoneoutLSTM(3, 4, c_ratio=0.1, h_ratio=0.2)
        >>> rnn(numpy.zeros((2, 3), 'f')).shape
        (2, 4)
    """

    def __init__(self, in_size, out_size, c_ratio=0.5, h_ratio=0.5, **kwargs):
        if 'train' in kwargs:
            raise ValueError("StatefulZoneoutLSTM: the train argument is not supported "
                             "anymore; use dbr.using_config('train', ...) instead")
        if kwargs:
            raise TypeError(f'StatefulZoneoutLSTM: unexpected keyword arguments {sorted(kwargs)}')
        for name, ratio in (('c_ratio', c_ratio), ('h_ratio', h_ratio)):
            if not 0.0 <= ratio <= 1.0:
                raise ValueError(f'StatefulZoneoutLSTM: {name} must be in [0, 1], got {ratio!r}')
        super().__init__()
        self.state_size = out_size
        self.c_ratio = c_ratio
        self.h_ratio = h_ratio
        self.reset_state()
        with self.init_scope():
            self.upward = Linear(in_size, 4 * out_size)
            self.lateral = Linear(out_size, 4 * out_size, nobias=True)

    def forward(self, x):
        """One step on the stored state.

        Args:
            x: Input ``(B, ...)`` with the state's batch size.

        Returns:
            Variable: The new hidden state ``(B, out_size)``, also stored as ``h``.

        Example:
            >>> y = rnn(x)  # doctest: +SKIP
        """
        lstm_in, c, h = gates_and_state(self, x)
        c_new, h_new = lstm(c, lstm_in)
        c = zoneout(c, c_new, self.c_ratio)
        h = zoneout(h, h_new, self.h_ratio)
        self._store_state(c=c, h=h)
        return h
