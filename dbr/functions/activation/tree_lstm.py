"""Tree-LSTM cell with any number of children, as an activation: ``tree_lstm(c1, .., cN, x)``."""
import functools

from dbr import type_check
from dbr.functions.activation._gated_cell import Cell
from dbr.functions.activation._gated_cell import CellGrad
from dbr.functions.activation._gated_cell import Layout


@functools.lru_cache(maxsize=None)
def _layout(n_children):
    # x holds 3 + N blocks of `units` channels: a, i, o, f_1 .. f_N.
    return Layout(1, 3 + n_children, 1, pairs=(((0, 0), (0, 1)),),
                  forgets=tuple((0, 3 + k) for k in range(n_children)), outs=((0, 2),))


class TreeLSTMGrad(CellGrad):
    """Gradients of :class:`TreeLSTM` (see
    :class:`~dbr.functions.activation._gated_cell.CellGrad`)."""


class TreeLSTM(Cell):
    """One tree-LSTM step; inputs ``(c_1, .., c_N, x)``."""

    grad_class = TreeLSTMGrad

    def __init__(self, n_children):
        super().__init__(_layout(n_children))

    def check_type_forward(self, in_types):
        n = len(in_types) - 1
        if n < 1:
            raise type_check.InvalidType('at least 2 inputs (c_1, ..., c_N, x)',
                                         f'{len(in_types)}', self.label)
        x = in_types[-1]
        c1 = in_types[0]
        if c1.dtype.kind != 'f':
            raise type_check.InvalidType("c1.dtype.kind == 'f'", f'c1.dtype={c1.dtype}',
                                         self.label)
        if c1.ndim < 2:
            raise type_check.InvalidType('c1.ndim >= 2', f'c1.shape={c1.shape}', self.label)
        for k, c in enumerate(in_types[1:-1], 2):
            if c.shape != c1.shape or c.dtype != c1.dtype:
                raise type_check.InvalidType(
                    f'c{k} of the shape and dtype of c1',
                    f'c1: shape={c1.shape}, dtype={c1.dtype}; c{k}: shape={c.shape}, '
                    f'dtype={c.dtype}', self.label)
        ok = (x.dtype == c1.dtype and x.ndim == c1.ndim and x.shape[0] == c1.shape[0]
              and x.shape[1] == (3 + n) * c1.shape[1] and x.shape[2:] == c1.shape[2:])
        if not ok:
            B, units = c1.shape[:2]
            raise type_check.InvalidType(
                f'x of dtype {c1.dtype} and shape ({B}, (3 + N) * {units}) + c1.shape[2:] '
                f'with N = {n} cells', f'x: shape={x.shape}, dtype={x.dtype}; c1.shape='
                f'{c1.shape}', self.label)


def tree_lstm(*inputs):
    """One step of a tree-LSTM unit merging the cells of any number of children.

    Serves both the N-ary and the child-sum tree-LSTM (Tai et al., 2015; Bowman et al.,
    2016). With the children's cells ``c_1 .. c_N`` and the gate pre-activations ``x``,
    ``x`` is split on axis 1 into ``3 + N`` consecutive blocks of ``units`` channels: ``a``
    (cell input), ``i`` (input gate), ``o`` (output gate), then one forget gate ``f_k`` per
    child. Then::

        c = tanh(a) * sigmoid(i) + sum_k sigmoid(f_k) * c_k
        h = sigmoid(o) * tanh(c)

    Args:
        *inputs: ``c_1, ..., c_N, x``: N >= 1 cells, Variables or arrays of one shape
            ``(B, units, ...)`` and float dtype, then ``x`` of shape ``(B, (3 + N) * units,
            ...)`` and the same dtype.

    Returns:
        tuple: ``(c, h)``, Variables of shape ``(B, units, ...)``.

    Example:
        >>> c1 = c2 = numpy.zeros((1, 2), 'f')
        >>> c, h = F.tree_lstm(c1, c2, numpy.zeros((1, 10), 'f'))
        >>> c.shape, h.shape
        ((1, 2), (1, 2))
    """
    return TreeLSTM(len(inputs) - 1).apply(inputs)
