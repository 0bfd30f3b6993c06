"""Elementwise squared difference of two operands."""
from dbr import backend
from dbr.functions.math._float_binary import FloatBinary


class SquaredDifference(FloatBinary):
    """``(x1 - x2) ** 2`` with NumPy broadcasting; its gradients are ``+-2 (x1 - x2) gy``."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x1, x2 = inputs
        d = x1 - x2
        y = backend.get_array_module(d).square(d)
        self._record_shapes(x1, x2, y)
        return y,

    def backward(self, indexes, grad_outputs):
        x1, x2 = self.get_retained_inputs()
        g = grad_outputs[0] * (x1 - x2) * 2.0
        return tuple(self._reduce(g if i == 0 else -g, i) for i in indexes)


def squared_difference(x1, x2):
    """Returns ``(x1 - x2) ** 2`` elementwise, with broadcasting.

    Args:
        x1, x2: Variables or arrays of one float dtype.

    Example:
        >>> F.squared_difference(dbr.Variable(numpy.array([1., 5.])), numpy.array([3., 2.])).array
        array([4., 9.])
    """
    return SquaredDifference().apply((x1, x2))[0]
