"""Elementwise addition with broadcasting."""
from dbr.functions.math._binary import BinaryElementwise, commutative, fold
from dbr.function_node import FunctionNode


class Add(BinaryElementwise):
    """``x0 + x1`` with NumPy broadcasting."""

    def forward(self, inputs):
        x0, x1 = inputs
        y = x0 + x1
        self._record_shapes(x0, x1, y)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return tuple([self._reduce(gy, i) for i in indexes])


class AddConstant(FunctionNode):
    """``x + value`` for a Python scalar ``value`` (the gradient passes through unchanged)."""

    def __init__(self, value):
        self.value = value

    def forward(self, inputs):
        return inputs[0] + self.value,

    def backward(self, indexes, grad_outputs):
        return grad_outputs


def add(*xs):
    """Adds two or more operands elementwise, with broadcasting.

    Args:
        *xs: Variables, arrays or scalars; at least one must be a Variable. A non-Variable
            operand is treated as a constant of the Variable's dtype.

    Returns:
        Variable: The sum.

    Example:
        >>> F.add(x, 1.0)  # doctest: +SKIP
        >>> F.add(x, y, z)  # doctest: +SKIP
    """
    return fold(_add2, xs, 'add')


def _add2(lhs, rhs):
    return commutative(lhs, rhs, AddConstant, Add, 'add')
