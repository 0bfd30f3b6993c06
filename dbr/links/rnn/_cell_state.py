"""Pieces shared by the recurrent cells: the ``h`` state (GRU, MGU) and the ``(c, h)`` state
(LSTM and its peephole and zoneout variants) with ``reset_state`` / ``set_state``, batch
checks, zero initial states, and the gate split of ``upward(x)``."""
from dbr import type_check
from dbr.functions.array.reshape import reshape
from dbr.functions.array.separate import separate
from dbr.links.rnn._state import RecurrentState
from dbr.links.rnn._state import state_attribute
from dbr.variable import Variable


def zero_state(link, batch, dtype):
    """Zeros ``(batch, link.state_size)`` on the link's device, as a Variable without grad."""
    device = link._device
    with device:
        return Variable(device.xp.zeros((batch, link.state_size), dtype), requires_grad=False)


def check_step_batch(label, h, x):
    """Raises when the hidden state ``h`` given to a step and the input ``x`` have different
    batch sizes."""
    if h.shape[0] != x.shape[0]:
        raise type_check.InvalidType('h.shape[0] == x.shape[0]',
                                     f'h.shape={tuple(h.shape)}, x.shape={tuple(x.shape)}', label)


def check_batch(link, state, x):
    """Raises when the stored ``state`` and the input ``x`` have different batch sizes."""
    if state.shape[0] != x.shape[0]:
        raise type_check.InvalidType(
            'x.shape[0] == the batch size of the stored state',
            f'x.shape={tuple(x.shape)}, state shape={tuple(state.shape)}', type(link).__name__)


def gates_and_state(link, x):
    """``(lstm_in, c, h)`` of a stateful LSTM variant's step: the gate pre-activations
    ``upward(x) + lateral(h)`` (no lateral term before the first step) and the stored state,
    checked against ``x``, with zeros for a state not stored yet."""
    lstm_in = link.upward(x)
    batch, dtype = lstm_in.shape[0], lstm_in.dtype
    h, c = link.h, link.c
    if h is None:
        h = zero_state(link, batch, dtype)
    else:
        check_batch(link, h, x)
        lstm_in = lstm_in + link.lateral(h)
    if c is None:
        c = zero_state(link, batch, dtype)
    else:
        check_batch(link, c, x)
    return lstm_in, c, h


def split_gates(lstm_in):
    """``(a, i, f, o)`` of gate pre-activations ``(B, 4 * units)`` interleaved per unit."""
    batch, width = lstm_in.shape
    return separate(reshape(lstm_in, (batch, width // 4, 4)), axis=2)


class HiddenState(RecurrentState):
    """Mixin: the hidden state ``h`` of a link with ``state_size``.

    The state is no parameter: the serializers do not save it (as in Chainer). It follows the
    link when the link (or a chain holding it) moves to another device.
    """

    state_names = ('h',)
    h = state_attribute('h', 'The hidden state ``(B, out_size)``, or None before the first '
                             'step.')

    def reset_state(self):
        """Forgets the state: the next step starts from zeros.

        Example:
            >>> rnn.reset_state()  # doctest: +SKIP
        """
        self._store_state(h=None)

    def set_state(self, h):
        """Sets the hidden state (a Variable is moved in place to the link's device).

        Args:
            h: Hidden state ``(B, out_size)``, a Variable or an array.

        Raises:
            InvalidType: When ``h`` is not ``(B, out_size)``.

        Example:
            >>> rnn.set_state(h)  # doctest: +SKIP
        """
        shape = tuple(h.shape)
        if len(shape) != 2 or shape[1] != self.state_size:
            raise type_check.InvalidType(f'h.shape == (B, {self.state_size})',
                                         f'h.shape={shape}', f'{type(self).__name__}.set_state')
        self.h = h


class CellState(RecurrentState):
    """Mixin: the cell and hidden states ``c``, ``h`` of a link with ``state_size``.

    The state is no parameter: the serializers do not save it (as in Chainer). It follows the
    link when the link (or a chain holding it) moves to another device.
    """

    state_names = ('c', 'h')
    c = state_attribute('c', 'The cell state ``(B, out_size)``, or None before the first step.')
    h = state_attribute('h', 'The hidden state ``(B, out_size)``, or None before the first '
                             'step.')

    def reset_state(self):
        """Forgets the state: the next step starts from zeros.

        Example:
            >>> rnn.reset_state()  # doctest: +SKIP
        """
        self._store_state(c=None, h=None)

    def set_state(self, c, h):
        """Sets the cell and hidden states (Variables are moved in place to the link's device).

        Args:
            c: Cell state ``(B, out_size)``, a Variable or an array.
            h: Hidden state of ``c``'s shape, a Variable or an array.

        Raises:
            InvalidType: When the shapes are not both ``(B, out_size)``.

        Example:
            >>> rnn.set_state(c, h)  # doctest: +SKIP
        """
        c_shape, h_shape = tuple(c.shape), tuple(h.shape)
        if c_shape != h_shape or c_shape[1:] != (self.state_size,):
            raise type_check.InvalidType(
                f'c.shape == h.shape == (B, {self.state_size})',
                f'c.shape={c_shape}, h.shape={h_shape}', f'{type(self).__name__}.set_state')
        self.c = c
        self.h = h
