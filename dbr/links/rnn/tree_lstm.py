"""Tree-LSTM cells: ``ChildSumTreeLSTM`` and ``NaryTreeLSTM``."""
from dbr import link
from dbr.functions.activation.sigmoid import sigmoid
from dbr.functions.activation.tanh import tanh
from dbr.functions.activation.tree_lstm import tree_lstm
from dbr.functions.array.concat import concat
from dbr.functions.array.split_axis import split_axis
from dbr.functions.math.add import add
from dbr.links.connection.linear import Linear
from dbr.variable import as_variable


def _unpack(cell, cshsx, n_children):
    """``(cs, hs, x)`` from ``(c_1, .., c_N, h_1, .., h_N, x)``, with None children and a None
    ``x`` replaced by zeros on the cell's device."""
    name = type(cell).__name__
    if n_children is None:
        if len(cshsx) % 2 != 1:
            raise TypeError(f'{name}: expected c_1, ..., c_N, h_1, ..., h_N, x (an odd number '
                            f'of arguments), got {len(cshsx)} arguments')
        n_children = len(cshsx) // 2
    elif len(cshsx) != 2 * n_children + 1:
        raise TypeError(f'{name}: expected {2 * n_children + 1} arguments (c_1, ..., c_N, '
                        f'h_1, ..., h_N, x with N = n_ary = {n_children}), got {len(cshsx)}')
    cs, hs, x = cshsx[:n_children], cshsx[n_children:-1], cshsx[-1]
    given = [v for v in (x,) + cs + hs if v is not None]
    if not given:
        raise ValueError(f'{name}: all inputs (cs, hs, x) are None')
    batch, dtype = given[0].shape[0], given[0].dtype  # x's when given
    device = cell._device
    if x is None:
        if cell.in_size is None:
            raise ValueError(f'{name}: x is None but in_size is not known yet (give in_size '
                             f'or pass x on the first call)')
        with device:
            x = device.xp.zeros((batch, cell.in_size), dtype)
    if any(v is None for v in cs + hs):
        with device:
            zero = device.xp.zeros((batch, cell.state_size), dtype)
        cs = tuple(zero if c is None else c for c in cs)
        hs = tuple(zero if h is None else h for h in hs)
    return cs, hs, x


class ChildSumTreeLSTM(link.Chain):
    """Child-sum tree-LSTM cell (Tai et al., 2015): merges any number of children, in any order.

    Called as ``cell(c_1, ..., c_N, h_1, ..., h_N, x)`` with the children's cell and output
    states and the node's input; it keeps no state. With ``h~ = sum_k h_k``::

        [a, i, o] = W_x(x)[:, :3 units] + W_h_aio(h~)
        f_k = W_x(x)[:, 3 units:] + W_h_f(h_k)
        (c, h) = tree_lstm(c_1, ..., c_N, [a, i, o, f_1, ..., f_N])

    With no child (``cell(x)``), ``c = sigmoid(i) * tanh(a)`` and ``h = sigmoid(o) *
    tanh(c)``. A None cell or output state is zeros; a None ``x`` is zeros.

    Args:
        in_size (int or None): Input size; None defers it to the first call.
        out_size (int): Size of the cell and output states.

    Attributes:
        W_x (Linear): Input to ``a, i, o`` and the shared forget-gate part, ``4 * out_size``
            outputs, with bias.
        W_h_aio (Linear): Sum of the children's outputs to ``a, i, o``, without bias.
        W_h_f (Linear): Each child's output to its forget gate, without bias.
        in_size (int or None), state_size (int): The sizes.

    Example:
        >>> cell = L.ChildSumTreeLSTM(3, 2)
        >>> c1 = h1 = c2 = h2 = numpy.zeros((1, 2), 'f')
        >>> c, h = cell(c1, c2, h1, h2, numpy.zeros((1, 3), 'f'))
        >>> c.shape, h.shape
        ((1, 2), (1, 2))
    """

    def __init__(self, in_size, out_size):
        super().__init__()
        with self.init_scope():
            self.W_x = Linear(in_size, 4 * out_size)
            self.W_h_aio = Linear(out_size, 3 * out_size, nobias=True)
            self.W_h_f = Linear(out_size, out_size, nobias=True)
        self.in_size = in_size
        self.state_size = out_size

    def forward(self, *cshsx):
        """One merge step.

        Args:
            *cshsx: ``c_1, ..., c_N, h_1, ..., h_N, x``: the N children's cell and output
                states ``(B, out_size)`` (None for zeros) and the input ``(B, in_size)`` (None
                for zeros).

        Returns:
            tuple: ``(c, h)``, the new cell and output states ``(B, out_size)``.

        Example:
            >>> c, h = cell(c1, c2, h1, h2, x)  # doctest: +SKIP
        """
        cs, hs, x = _unpack(self, cshsx, None)
        n = self.state_size
        aio_in, f_x = split_axis(self.W_x(x), [3 * n], axis=1)
        if not hs:
            a, i, o = split_axis(aio_in, 3, axis=1)
            c = sigmoid(i) * tanh(a)
            return c, sigmoid(o) * tanh(c)
        hs = [as_variable(h) for h in hs]
        h_sum = hs[0] if len(hs) == 1 else add(*hs)
        aio_in = aio_in + self.W_h_aio(h_sum)
        # W_h_f on all children at once: (N * B, n) -> N blocks (B, n) side by side.
        f_h = self.W_h_f(concat(hs, axis=0))
        f_in = concat(split_axis(f_h, len(hs), axis=0), axis=1) + concat([f_x] * len(hs), axis=1)
        return tree_lstm(*cs, concat((aio_in, f_in), axis=1))


class NaryTreeLSTM(link.Chain):
    """N-ary tree-LSTM cell (Tai et al., 2015, as extended by Bowman et al., 2016): merges a
    fixed number of ordered children.

    Called as ``cell(c_1, ..., c_N, h_1, ..., h_N, x)`` with ``N = n_ary``; it keeps no
    state. Each child's output has its own matrix onto all the gates, forget gates included::

        (c, h) = tree_lstm(c_1, ..., c_N, W_x(x) + W_h1(h_1) + ... + W_hN(h_N))

    A None output state contributes nothing, a None cell state is zeros, a None ``x`` is
    zeros.

    Args:
        in_size (int or None): Input size; None defers it to the first call.
        out_size (int): Size of the cell and output states.
        n_ary (int): Number of children, at least 1.

    Attributes:
        W_x (Linear): Input to the ``(3 + n_ary) * out_size`` gate pre-activations, with
            bias.
        W_h1, ..., W_hN (Linear): Each child's output to the gates, without bias.
        in_size (int or None), state_size (int), n_ary (int): The sizes.

    Example:
        >>> cell = L.NaryTreeLSTM(3, 2, n_ary=2)
        >>> c1 = h1 = c2 = h2 = numpy.zeros((1, 2), 'f')
        >>> cell(c1, c2, h1, h2, numpy.zeros((1, 3), 'f'))[1].shape
        (1, 2)
    """

    def __init__(self, in_size, out_size, n_ary=2):
        if isinstance(n_ary, bool) or not isinstance(n_ary, int) or n_ary < 1:
            raise ValueError(f'NaryTreeLSTM: n_ary must be an int >= 1, got {n_ary!r}')
        super().__init__()
        with self.init_scope():
            self.W_x = Linear(in_size, (3 + n_ary) * out_size)
            for k in range(1, n_ary + 1):
                setattr(self, f'W_h{k}', Linear(out_size, (3 + n_ary) * out_size, nobias=True))
        self.in_size = in_size
        self.state_size = out_size
        self.n_ary = n_ary

    def forward(self, *cshsx):
        """One merge step.

        Args:
            *cshsx: ``c_1, ..., c_N, h_1, ..., h_N, x`` with ``N = n_ary``: the children's
                cell and output states ``(B, out_size)`` (None allowed) and the input
                ``(B, in_size)`` (None for zeros).

        Returns:
            tuple: ``(c, h)``, the new cell and output states ``(B, out_size)``.

        Example:
            >>> c, h = cell(c1, c2, h1, h2, x)  # doctest: +SKIP
        """
        n = self.n_ary
        given_hs = cshsx[n:-1]
        cs, _, x = _unpack(self, cshsx, n)
        gates = self.W_x(x)
        for k, h in enumerate(given_hs, 1):
            if h is not None:
                gates = gates + getattr(self, f'W_h{k}')(h)
        return tree_lstm(*cs, gates)
