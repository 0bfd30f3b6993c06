"""Elementwise negation."""
from dbr.function_node import FunctionNode


class Neg(FunctionNode):
    """``-x``."""

    def forward(self, inputs):
        return -inputs[0],

    def backward(self, indexes, grad_outputs):
        return Neg().apply(grad_outputs)


def negative(x):
    """Negates ``x`` elementwise (also ``-x``).

    Example:
        >>> F.negative(dbr.Variable(numpy.array([1., -2.], 'f'))).array
        array([-1.,  2.], dtype=float32)
    """
    return Neg().apply((x,))[0]
