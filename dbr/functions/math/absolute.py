"""Elementwise absolute value."""
from dbr import backend
from dbr.function_node import FunctionNode


class Absolute(FunctionNode):
    """``|x|``; the gradient at 0 is 0."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return abs(inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        xp = backend.get_array_module(x.array)
        return grad_outputs[0] * xp.sign(x.array),


def absolute(x):
    """Returns ``|x|`` elementwise (also ``abs(x)``).

    Example:
        >>> F.absolute(dbr.Variable(numpy.array([1., -2.], 'f'))).array
        array([1., 2.], dtype=float32)
    """
    return Absolute().apply((x,))[0]
