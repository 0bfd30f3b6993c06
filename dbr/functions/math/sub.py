"""Elementwise subtraction with broadcasting."""
from dbr.functions.math._binary import BinaryElementwise, SCALAR_TYPES, as_operands, as_scalar
from dbr.functions.math.add import AddConstant


class Sub(BinaryElementwise):
    """``x0 - x1`` with NumPy broadcasting."""

    def forward(self, inputs):
        x0, x1 = inputs
        y = x0 - x1
        self._record_shapes(x0, x1, y)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return tuple([self._reduce(gy if i == 0 else -gy, i) for i in indexes])


def sub(lhs, rhs):
    """Subtracts ``rhs`` from ``lhs`` elementwise, with broadcasting.

    Args:
        lhs, rhs: Variables, arrays or scalars; at least one must be a Variable.

    Example:
        >>> F.sub(x, 1.0)  # doctest: +SKIP
    """
    if isinstance(rhs, SCALAR_TYPES):
        return AddConstant(-as_scalar(rhs)).apply((lhs,))[0]
    return Sub().apply(as_operands(lhs, rhs, 'sub'))[0]
