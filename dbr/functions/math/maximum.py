"""Elementwise maximum of two operands, with broadcasting."""
from dbr import backend
from dbr.functions.math._binary import as_operands
from dbr.functions.math._float_binary import FloatBinary
from dbr.functions.math.where import masked


class Maximum(FloatBinary):
    """``max(x1, x2)`` with NumPy broadcasting; on ties the gradient goes to ``x1``."""

    _ufunc = 'maximum'

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x1, x2 = inputs
        y = getattr(backend.get_array_module(x1), self._ufunc)(x1, x2)
        self._record_shapes(x1, x2, y)
        return y,

    def _first_wins(self, x1, x2):
        return x1 >= x2

    def backward(self, indexes, grad_outputs):
        x1, x2 = self.get_retained_inputs()
        first = self._first_wins(x1.array, x2.array)
        gy, = grad_outputs
        return tuple([self._reduce(masked(first if i == 0 else ~first, gy), i)
                      for i in indexes])


def maximum(x1, x2):
    """Elementwise maximum of ``x1`` and ``x2``, with broadcasting.

    Where the two are equal, the whole gradient goes to ``x1`` (as in Chainer).

    Args:
        x1, x2: Variables, arrays or scalars of one float dtype; at least one must be a
            Variable. A non-Variable operand is a constant of the Variable's dtype.

    Example:
        >>> F.maximum(dbr.Variable(numpy.array([1., 4.], 'f')), numpy.array([3., 2.], 'f')).array
        array([3., 4.], dtype=float32)
    """
    return Maximum().apply(as_operands(x1, x2, 'maximum'))[0]
