"""Elementwise exponential."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class Exp(FunctionNode):
    """``exp(x)``."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return backend.get_array_module(x).exp(x),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y,


def exp(x):
    """Returns ``e ** x`` elementwise.

    Example:
        >>> F.exp(dbr.Variable(numpy.array([0.], 'f'))).array
        array([1.], dtype=float32)
    """
    return Exp().apply((x,))[0]
