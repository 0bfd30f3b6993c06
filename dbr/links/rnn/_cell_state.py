"""Pieces shared by the stateful LSTM variants (peephole, zoneout): the ``(c, h)`` state with
``reset_state`` / ``set_state``, zero initial states, and the gate split of ``upward(x)``."""
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


def check_batch(link, state, x):
    """Raises when the stored ``state`` and the input ``x`` have different batch sizes."""
    if state.shape[0] != x.shape[0]:
        raise type_check.InvalidType(
            'x.shape[0] == the batch size of the stored state',
            f'x.shape={tuple(x.shape)}, state shape={tuple(state.shape)}', type(link).__name__)


def split_gates(lstm_in):
    """``(a, i, f, o)`` of gate pre-activations ``(B, 4 * units)`` interleaved per unit."""
    batch, width = lstm_in.shape
    return separate(reshape(lstm_in, (batch, width // 4, 4)), axis=2)


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
