"""Elementwise multiplication with broadcasting."""
from dbr.functions.math._binary import BinaryElementwise, commutative, fold
from dbr.function_node import FunctionNode


class Mul(BinaryElementwise):
    """``x0 * x1`` with NumPy broadcasting."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        y = x0 * x1
        self._record_shapes(x0, x1, y)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        x0, x1 = self.get_retained_inputs()
        return tuple([self._reduce(gy * (x1 if i == 0 else x0), i) for i in indexes])


class MulConstant(FunctionNode):
    """``x * value`` for a Python scalar ``value``."""

    def __init__(self, value):
        self.value = value

    def forward(self, inputs):
        return inputs[0] * self.value,

    def backward(self, indexes, grad_outputs):
        return MulConstant(self.value).apply(grad_outputs)


def mul(*xs):
    """Multiplies two or more operands elementwise, with broadcasting.

    Args:
        *xs: Variables, arrays or scalars; at least one must be a Variable.

    Example:
        >>> F.mul(x, 2.0)  # doctest: +SKIP
    """
    return fold(_mul2, xs, 'mul')


def _mul2(lhs, rhs):
    return commutative(lhs, rhs, MulConstant, Mul, 'mul')
