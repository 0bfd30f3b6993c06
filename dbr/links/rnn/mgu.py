"""Minimal gated units: ``StatelessMGU`` and ``StatefulMGU``."""
from dbr import link
from dbr.functions.activation.sigmoid import sigmoid
from dbr.functions.activation.tanh import tanh
from dbr.functions.array.concat import concat
from dbr.functions.math.linear_interpolate import linear_interpolate
from dbr.links.connection.linear import Linear
from dbr.links.rnn._cell_state import HiddenState
from dbr.links.rnn._cell_state import check_step_batch
from dbr.links.rnn._cell_state import zero_state


class _MGUBase(link.Chain):
    """The Linear children ``W_f`` (forget gate) and ``W_h`` (candidate) of the MGU cells,
    both acting on ``concat([h, x])``: their first ``n_units`` input columns act on ``h``."""

    def __init__(self, n_inputs, n_units):
        super().__init__()
        in_size = None if n_inputs is None else n_inputs + n_units
        with self.init_scope():
            self.W_f = Linear(in_size, n_units)
            self.W_h = Linear(in_size, n_units)

    def _step(self, h, x):
        check_step_batch(type(self).__name__, h, x)
        f = sigmoid(self.W_f(concat((h, x))))
        h_bar = tanh(self.W_h(concat((f * h, x))))
        return linear_interpolate(f, h_bar, h)


class StatelessMGU(_MGUBase):
    """A minimal gated unit (Zhou et al., 2016) that takes its hidden state as an argument.

    One step computes::

        f = sigmoid(W_f [h; x])
        h_bar = tanh(W_h [f * h; x])
        h_new = f * h_bar + (1 - f) * h

    Args:
        n_inputs (int or None): Input size; None defers it to the first call.
        n_units (int): Size of the hidden state.

    Attributes:
        W_f, W_h (Linear): The connections above, ``(n_units, n_units + n_inputs)`` each.

    Example:
        >>> cell = L.StatelessMGU(3, 4)
        >>> cell(numpy.zeros((2, 4), 'f'), numpy.zeros((2, 3), 'f')).shape
        (2, 4)
    """

    def forward(self, h, x):
        """One MGU step.

        Args:
            h: Hidden state ``(B, n_units)`` (Variable or array).
            x: Input ``(B, n_inputs)``.

        Returns:
            Variable: The new hidden state ``(B, n_units)``.

        Example:
            >>> h = cell(h, x)  # doctest: +SKIP
        """
        return self._step(h, x)


class StatefulMGU(HiddenState, _MGUBase):
    """A minimal gated unit that keeps its hidden state ``h`` between calls.

    Each call runs one step of :class:`StatelessMGU`'s cell on the stored state (zeros before
    the first step) and stores the new one. The state is no parameter: the serializers do not
    save it (as in Chainer); :meth:`reset_state` clears it. It follows the link when the link
    (or a chain holding it) moves to another device.

    Args:
        in_size (int or None): Input size; None defers it to the first call.
        out_size (int): Size of the hidden state.

    Attributes:
        W_f, W_h (Linear): The connections (see :class:`StatelessMGU`).
        state_size (int): Size of the hidden state.

    Example:
        >>> rnn = L.StatefulMGU(3, 4)
        >>> rnn(numpy.zeros((2, 3), 'f')).shape
        (2, 4)
    """

    def __init__(self, in_size, out_size):
        super().__init__(in_size, out_size)
        self.state_size = out_size
        self.reset_state()

    def forward(self, x):
        """One step on the stored state.

        Args:
            x: Input ``(B, in_size)`` with the state's batch size.

        Returns:
            Variable: The new hidden state ``(B, out_size)``, also stored as ``h``.

        Example:
            >>> y = rnn(x)  # doctest: +SKIP
        """
        h = self.h
        if h is None:
            h = zero_state(self, x.shape[0], x.dtype)
        h = self._step(h, x)
        self._store_state(h=h)
        return h
