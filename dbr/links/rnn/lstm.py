"""Fully connected LSTM cells: ``LSTM`` (stateful) and ``StatelessLSTM``."""
from dbr import backend
from dbr import initializers
from dbr import link
from dbr import type_check
from dbr.functions.activation.lstm import lstm
from dbr.functions.array.concat import concat
from dbr.functions.array.split_axis import split_axis
from dbr.links.connection.linear import Linear
from dbr.links.rnn._cell_state import CellState
from dbr.links.rnn._cell_state import check_step_batch
from dbr.links.rnn._cell_state import zero_state


class _GateBlocks(initializers.Initializer):
    """Initializes an LSTM weight ``(4 * units, in)`` one ``(units, in)`` row block at a time.

    Fan-based initializers thus see the fans of one gate's matrix, as in Chainer. Like the
    Linear defaults it replaces, it leaves the dtype to ``config.dtype``.
    """

    def __init__(self, init, units):
        super().__init__()
        self.init = init
        self.units = units

    def __call__(self, array):
        n = self.units
        for start in range(0, 4 * n, n):
            self.init(array[start:start + n])


class _GateBias(initializers.Initializer):
    """Initializes the upward bias ``(4 * units,)`` in :func:`dbr.functions.lstm`'s layout.

    The gates are interleaved per unit (``a, i, f, o``); ``forget`` fills the forget gate's
    entries and ``other`` the rest. Each gate's part is generated as a ``(1, units, 1)``
    array, the shape Chainer hands these initializers.
    """

    def __init__(self, other, forget, units):
        super().__init__()
        self.other = other
        self.forget = forget
        self.units = units

    def __call__(self, array):
        n = self.units
        xp = backend.get_array_module(array)
        gates = array.reshape(n, 4)
        for k, init in enumerate((self.other, self.other, self.forget, self.other)):
            gates[:, k] = initializers.generate_array(init, (1, n, 1), xp, array.dtype).reshape(n)


class _LSTMBase(link.Chain):
    """The ``upward`` and ``lateral`` Linear children of :class:`LSTM` and
    :class:`StatelessLSTM`, initialized gate by gate as in Chainer."""

    def __init__(self, in_size, out_size, lateral_init, upward_init, bias_init,
                 forget_bias_init):
        super().__init__()
        if out_size is None:
            in_size, out_size = None, in_size
        self.state_size = out_size
        self.lateral_init = lateral_init
        self.upward_init = upward_init
        self.bias_init = bias_init
        self.forget_bias_init = forget_bias_init
        get = initializers._get_initializer
        upward_W = _GateBlocks(initializers.LeCunNormal() if upward_init is None
                               else get(upward_init), out_size)
        lateral_W = _GateBlocks(initializers.LeCunNormal() if lateral_init is None
                                else get(lateral_init), out_size)
        bias = _GateBias(get(0 if bias_init is None else bias_init),
                         get(1 if forget_bias_init is None else forget_bias_init), out_size)
        with self.init_scope():
            self.upward = Linear(in_size, 4 * out_size, initialW=upward_W, initial_bias=bias)
            self.lateral = Linear(out_size, 4 * out_size, initialW=lateral_W, nobias=True)


class StatelessLSTM(_LSTMBase):
    """A fully connected LSTM cell that takes its state as arguments.

    One step computes the gate pre-activations ``upward(x) + lateral(h)`` and applies
    :func:`dbr.functions.lstm` to them and the cell ``c``. The four gates of a unit are
    interleaved on the output axis of both Linear children (``a, i, f, o`` for unit 0, then
    unit 1, ...), as :func:`dbr.functions.lstm` reads them.

    Args:
        in_size (int or None): Input size; None defers it to the first call (where it becomes
            the size of one input sample). With ``out_size`` omitted, this is the output size.
        out_size (int): Size of the hidden and cell states.
        lateral_init: Initializer of each gate's block of ``lateral.W`` (LeCunNormal if None).
        upward_init: Initializer of each gate's block of ``upward.W`` (LeCunNormal if None).
        bias_init: Initializer of the cell-input, input-gate and output-gate biases (0 if
            None).
        forget_bias_init: Initializer of the forget-gate bias (1 if None).

    Attributes:
        upward (Linear): The input-to-gates connection, with bias.
        lateral (Linear): The hidden-to-gates connection, without bias.
        state_size (int): Size of the states.

    Example:
        >>> cell = L.StatelessLSTM(3, 4)
        >>> c, h = cell(None, None, numpy.zeros((2, 3), 'f'))
        >>> c.shape, h.shape
        ((2, 4), (2, 4))
    """

    def __init__(self, in_size, out_size=None, lateral_init=None, upward_init=None,
                 bias_init=None, forget_bias_init=None):
        super().__init__(in_size, out_size, lateral_init, upward_init, bias_init,
                         forget_bias_init)

    def forward(self, c, h, x):
        """One LSTM step.

        Args:
            c: Cell state ``(B, out_size)`` (Variable or array), or None for zeros. It may
                have more rows than ``x``: the extra rows pass through unchanged.
            h: Hidden state ``(b, out_size)`` with ``x``'s batch size, or None for zeros.
            x: Input ``(b, ...)``.

        Returns:
            tuple: ``(c_new, h_new)``, of shapes ``(B, out_size)`` and ``(b, out_size)``.

        Example:
            >>> c, h = cell(c, h, x)  # doctest: +SKIP
        """
        lstm_in = self.upward(x)
        batch = lstm_in.shape[0]
        if h is not None:
            check_step_batch('StatelessLSTM', h, x)
            lstm_in = lstm_in + self.lateral(h)
        if c is None:
            c = zero_state(self, batch, lstm_in.dtype)
        return lstm(c, lstm_in)


class LSTM(CellState, _LSTMBase):
    """A fully connected LSTM layer that keeps its state (``c``, ``h``) between calls.

    Each call runs one step of :class:`StatelessLSTM`'s cell on the stored state and stores
    the new state. A batch smaller than the state's updates the first rows of the state only;
    the other rows carry over (feed sequences sorted by decreasing length). The state is no
    parameter: it is not saved by the serializers; :meth:`reset_state` clears it. It follows
    the link when the link (or a chain holding it) moves to another device.

    Args:
        in_size (int or None): Input size; None defers it to the first call. With
            ``out_size`` omitted, this is the output size: ``LSTM(n)`` is ``LSTM(None, n)``.
        out_size (int): Size of the hidden and cell states.
        lateral_init: Initializer of each gate's block of ``lateral.W`` (LeCunNormal if None).
        upward_init: Initializer of each gate's block of ``upward.W`` (LeCunNormal if None).
        bias_init: Initializer of the cell-input, input-gate and output-gate biases (0 if
            None).
        forget_bias_init: Initializer of the forget-gate bias (1 if None).

    Attributes:
        upward (Linear): The input-to-gates connection, with bias.
        lateral (Linear): The hidden-to-gates connection, without bias.
        state_size (int): Size of the states.

    Example:
        >>> rnn = L.LSTM(3, 4)
        >>> y = rnn(numpy.zeros((2, 3), 'f'))
        >>> y.shape, rnn.c.shape
        ((2, 4), (2, 4))
        >>> rnn.reset_state()
    """

    def __init__(self, in_size, out_size=None, lateral_init=None, upward_init=None,
                 bias_init=None, forget_bias_init=None):
        super().__init__(in_size, out_size, lateral_init, upward_init, bias_init,
                         forget_bias_init)
        self.reset_state()

    def forward(self, x):
        """One step on the stored state.

        Args:
            x: Input ``(b, ...)``, ``b`` at most the batch size of the state.

        Returns:
            Variable: The new hidden state of the ``b`` updated rows, ``(b, out_size)``.

        Raises:
            InvalidType: When ``x`` has more rows than the stored state.

        Example:
            >>> y = rnn(x)  # doctest: +SKIP
        """
        lstm_in = self.upward(x)
        batch = lstm_in.shape[0]
        h = self.h
        c = self.c
        h_rest = None
        if h is not None:
            n = h.shape[0]
            if n < batch:
                raise type_check.InvalidType(
                    'x.shape[0] <= h.shape[0] (a batch no larger than the state\'s)',
                    f'x.shape={tuple(x.shape)}, h.shape={h.shape}', 'LSTM')
            if batch == 0:
                h_rest = h
            elif n > batch:
                h, h_rest = split_axis(h, [batch], 0)
                lstm_in = lstm_in + self.lateral(h)
            else:
                lstm_in = lstm_in + self.lateral(h)
        if c is None:
            c = zero_state(self, batch, lstm_in.dtype)
        c, y = lstm(c, lstm_in)
        if h_rest is None:
            h = y
        elif batch == 0:
            h = h_rest
        else:
            h = concat((y, h_rest), axis=0)
        self._store_state(c=c, h=h)
        return y
