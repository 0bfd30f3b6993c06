"""Elementwise natural logarithm."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class Log(FunctionNode):
    """``log(x)``."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).log(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / x,


def log(x):
    """Returns the natural logarithm of ``x`` elementwise.

    Example:
        >>> F.log(dbr.Variable(numpy.array([1.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Log().apply((x,))[0]
