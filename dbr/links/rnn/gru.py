"""Gated recurrent unit cells: ``StatelessGRU``, ``StatefulGRU`` and ``GRU`` (stateful)."""
from dbr import link
from dbr.functions.activation.sigmoid import sigmoid
from dbr.functions.activation.tanh import tanh
from dbr.functions.math.linear_interpolate import linear_interpolate
from dbr.links.connection.linear import Linear
from dbr.links.rnn._cell_state import HiddenState
from dbr.links.rnn._cell_state import check_step_batch


class _GRUBase(link.Chain):
    """The six Linear children of the GRU cells: ``W_*`` act on the input, ``U_*`` on the
    hidden state, for the reset gate (``_r``), the update gate (``_z``) and the candidate."""

    def __init__(self, in_size, out_size, init, inner_init, bias_init):
        super().__init__()
        with self.init_scope():
            self.W_r = Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U_r = Linear(out_size, out_size, initialW=inner_init, initial_bias=bias_init)
            self.W_z = Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U_z = Linear(out_size, out_size, initialW=inner_init, initial_bias=bias_init)
            self.W = Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U = Linear(out_size, out_size, initialW=inner_init, initial_bias=bias_init)


class StatelessGRU(_GRUBase):
    """A GRU cell that takes its hidden state as an argument.

    One step computes::

        r = sigmoid(W_r x + U_r h)
        z = sigmoid(W_z x + U_z h)
        h_bar = tanh(W x + U (r * h))
        h_new = z * h_bar + (1 - z) * h

    Args:
        in_size (int or None): Input size; None defers it to the first call.
        out_size (int): Size of the hidden state.
        init: Initializer of the ``W_*`` weights (the Linear default if None).
        inner_init: Initializer of the ``U_*`` weights (the Linear default if None).
        bias_init: Initializer of every bias (0 if None).

    Attributes:
        W_r, U_r, W_z, U_z, W, U (Linear): The connections above, each with a bias.

    Example:
        >>> cell = L.StatelessGRU(3, 4)
        >>> cell(numpy.zeros((2, 4), 'f'), numpy.zeros((2, 3), 'f')).shape
        (2, 4)
    """

    def __init__(self, in_size, out_size, init=None, inner_init=None, bias_init=None):
        super().__init__(in_size, out_size, init, inner_init, bias_init)

    def forward(self, h, x):
        """One GRU step.

        Args:
            h: Hidden state ``(B, out_size)`` (Variable or array).
            x: Input ``(B, ...)``.

        Returns:
            Variable: The new hidden state ``(B, out_size)``.

        Example:
            >>> h = cell(h, x)  # doctest: +SKIP
        """
        check_step_batch('StatelessGRU', h, x)
        r = sigmoid(self.W_r(x) + self.U_r(h))
        z = sigmoid(self.W_z(x) + self.U_z(h))
        h_bar = tanh(self.W(x) + self.U(r * h))
        return linear_interpolate(z, h_bar, h)


class StatefulGRU(HiddenState, _GRUBase):
    """A GRU layer that keeps its hidden state ``h`` between calls.

    Each call runs one step of :class:`StatelessGRU`'s cell on the stored state (zeros before
    the first step) and stores the new state. The state is no parameter: the serializers do
    not save it; :meth:`reset_state` clears it. It follows the link when the link (or a chain
    holding it) moves to another device.

    Args:
        in_size (int or None): Input size; None defers it to the first call.
        out_size (int): Size of the hidden state.
        init: Initializer of the ``W_*`` weights (the Linear default if None).
        inner_init: Initializer of the ``U_*`` weights (the Linear default if None).
        bias_init: Initializer of every bias.

    Attributes:
        W_r, U_r, W_z, U_z, W, U (Linear): The connections (see :class:`StatelessGRU`).
        state_size (int): Size of the hidden state.

    Example:
        >>> rnn = L.StatefulGRU(3, 4)
        >>> rnn(numpy.zeros((2, 3), 'f')).shape
        (2, 4)
    """

    def __init__(self, in_size, out_size, init=None, inner_init=None, bias_init=0):
        super().__init__(in_size, out_size, init, inner_init, bias_init)
        self.state_size = out_size
        self.reset_state()

    def forward(self, x):
        """One step on the stored state.

        Args:
            x: Input ``(B, ...)`` with the state's batch size.

        Returns:
            Variable: The new hidden state ``(B, out_size)``, also stored as ``h``.

        Example:
            >>> y = rnn(x)  # doctest: +SKIP
        """
        h = self.h
        z = self.W_z(x)
        h_bar = self.W(x)
        if h is not None:
            check_step_batch(type(self).__name__, h, x)
            r = sigmoid(self.W_r(x) + self.U_r(h))
            z = z + self.U_z(h)
            h_bar = h_bar + self.U(r * h)
        z = sigmoid(z)
        h_bar = tanh(h_bar)
        h = z * h_bar if h is None else linear_interpolate(z, h_bar, h)
        self._store_state(h=h)
        return h


class GRU(StatefulGRU):
    """Chainer's ``L.GRU``: the stateful GRU layer (:class:`StatefulGRU`).

    It takes one argument, the input; calling it with two (the stateless form of old
    Chainer versions) raises an error that points to :class:`StatelessGRU`.

    Example:
        >>> rnn = L.GRU(3, 4)
        >>> rnn(numpy.zeros((2, 3), 'f')).shape
        (2, 4)
    """

    def __call__(self, *args, **kwargs):
        if len(args) + len(kwargs) != 1:
            hint = (' (L.GRU is stateful, its state lives in .h; use L.StatelessGRU for '
                    'h_new = gru(h, x))' if len(args) == 2 else '')
            raise ValueError(f'GRU: expected one argument, the input x, got '
                            f'{len(args) + len(kwargs)}{hint}')
        return self.forward(*args, **kwargs)
