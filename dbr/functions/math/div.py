"""Elementwise true division with broadcasting."""
from dbr.functions.math._binary import BinaryElementwise, as_operands


class Div(BinaryElementwise):
    """``x0 / x1`` with NumPy broadcasting."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        y = x0 / x1
        self._record_shapes(x0, x1, y)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        x0, x1 = self.get_retained_inputs()
        gx0 = gy / x1
        return tuple([self._reduce(gx0 if i == 0 else -gx0 * x0 / x1, i) for i in indexes])


def div(lhs, rhs):
    """Divides ``lhs`` by ``rhs`` elementwise (true division), with broadcasting.

    Args:
        lhs, rhs: Variables, arrays or scalars; at least one must be a Variable. A scalar
            becomes a constant of the Variable's dtype.

    Example:
        >>> F.div(x, 2.0)  # doctest: +SKIP
    """
    return Div().apply(as_operands(lhs, rhs, 'div'))[0]
