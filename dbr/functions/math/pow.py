"""Elementwise power with broadcasting."""
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._binary import BinaryElementwise, SCALAR_TYPES, as_operands, as_scalar


class Pow(BinaryElementwise):
    """``x0 ** x1`` with NumPy broadcasting; both operands differentiable."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        y = x0 ** x1
        self._record_shapes(x0, x1, y)
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.log import log
        gy, = grad_outputs
        x0, x1 = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:
                g = gy * x1 * x0 ** (x1 - 1)
            else:
                g = gy * x0 ** x1 * log(x0)
            ret.append(self._reduce(g, i))
        return tuple(ret)


class PowConstant(FunctionNode):
    """``x ** value`` for a Python scalar exponent."""

    def __init__(self, value):
        self.value = value

    check_type_forward = type_check.expects('x')

    def forward(self, inputs):
        self.retain_inputs((0,))
        return inputs[0] ** self.value,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        c = self.value
        if c == 0:
            # d/dx x**0 is 0 everywhere; 0 * x**-1 would divide by zero at x == 0
            return gy * 0,
        if c == 1:
            return gy,
        if c == 2:
            return gy * (x * 2),
        return gy * (x ** (c - 1) * c),


def pow(lhs, rhs):
    """Raises ``lhs`` to the power ``rhs`` elementwise, with broadcasting.

    Args:
        lhs, rhs: Variables, arrays or scalars; at least one must be a Variable.

    Example:
        >>> F.pow(x, 3)  # doctest: +SKIP
        >>> F.pow(2.0, x)  # doctest: +SKIP
    """
    if isinstance(rhs, SCALAR_TYPES):
        return PowConstant(as_scalar(rhs)).apply((lhs,))[0]
    return Pow().apply(as_operands(lhs, rhs, 'pow'))[0]
