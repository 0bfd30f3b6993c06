"""S-LSTM cell as an activation: ``(c, h) = slstm(c_prev1, c_prev2, x1, x2)``."""
from dbr import type_check
from dbr.functions.activation._gated_cell import Cell
from dbr.functions.activation._gated_cell import CellGrad
from dbr.functions.activation._gated_cell import Layout

# x1 and x2 each hold (a, i, f, o) interleaved per unit, as in dbr.functions.lstm.
_LAYOUT = Layout(2, 4, 2, pairs=(((0, 0), (0, 1)), ((1, 0), (1, 1))),
                 forgets=((0, 2), (1, 2)), outs=((0, 3), (1, 3)))


class SLSTMGrad(CellGrad):
    """Gradients of :class:`SLSTM` (see :class:`~dbr.functions.activation._gated_cell.CellGrad`)."""


class SLSTM(Cell):
    """One S-LSTM step on two children; inputs ``(c_prev1, c_prev2, x1, x2)``."""

    grad_class = SLSTMGrad
    check_type_forward = type_check.expects(
        'c_prev1, c_prev2, x1, x2', "c_prev1.dtype.kind == 'f'",
        'c_prev2.dtype == c_prev1.dtype', 'x1.dtype == c_prev1.dtype',
        'x2.dtype == c_prev1.dtype', 'c_prev1.ndim >= 2', 'c_prev2.shape == c_prev1.shape',
        'x1.ndim == c_prev1.ndim', 'x1.shape[0] == c_prev1.shape[0]',
        'x1.shape[1] == 4 * c_prev1.shape[1]', 'x1.shape[2:] == c_prev1.shape[2:]',
        'x2.shape == x1.shape')

    def __init__(self):
        super().__init__(_LAYOUT)


def slstm(c_prev1, c_prev2, x1, x2):
    """One step of an S-LSTM unit: an LSTM cell merging the states of two children.

    For binary trees (Zhu et al., 2015). ``x1`` and ``x2`` (typically affine transforms of the
    two children's outputs) each hold ``4 * units`` channels on axis 1, interleaved per unit
    like :func:`dbr.functions.lstm`: ``x[:, 4k + j]`` is gate ``j`` of unit ``k``, with ``j``
    = 0, 1, 2, 3 for ``a`` (cell input), ``i`` (input gate), ``f`` (forget gate) and ``o``
    (output gate). Then::

        c = tanh(a1) * sigmoid(i1) + tanh(a2) * sigmoid(i2)
            + sigmoid(f1) * c_prev1 + sigmoid(f2) * c_prev2
        h = sigmoid(o1 + o2) * tanh(c)

    This is what Chainer computes; its documentation writes the first line as
    ``tanh(a1 + a2) * sigmoid(i1 + i2)``, which its implementation does not do.

    Args:
        c_prev1: Variable or array ``(B, units, ...)``, the first child's cell state.
        c_prev2: Variable or array of ``c_prev1``'s shape, the second child's cell state.
        x1: Variable or array ``(B, 4 * units, ...)`` of ``c_prev1``'s dtype, the gate
            pre-activations from the first child.
        x2: Variable or array of ``x1``'s shape, those from the second child.

    Returns:
        tuple: ``(c, h)``, Variables of shape ``(B, units, ...)``.

    Example:
        >>> c = numpy.zeros((1, 2), 'f')
        >>> x = numpy.zeros((1, 8), 'f')
        >>> c_new, h = F.slstm(c, c, x, x)
        >>> c_new.shape, h.shape
        ((1, 2), (1, 2))
    """
    return SLSTM().apply((c_prev1, c_prev2, x1, x2))
