"""Piecewise-linear approximation of the sigmoid."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import Scale


class HardSigmoid(FunctionNode):
    """``clip(0.2 * x + 0.5, 0, 1)``."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        t = x.dtype.type
        y = x * t(0.2)
        y += t(0.5)
        return backend.get_array_module(x).clip(y, t(0), t(1)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        x = x.array
        xp = backend.get_array_module(x)
        return Scale((xp.abs(x) < 2.5) * x.dtype.type(0.2)).apply(grad_outputs)


def hard_sigmoid(x):
    """Hard sigmoid, ``clip(0.2 * x + 0.5, 0, 1)`` elementwise.

    Args:
        x: Variable or array of floats.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> F.hard_sigmoid(dbr.Variable(numpy.array([-3., 0., 1.], 'f'))).array
        array([0. , 0.5, 0.7], dtype=float32)
    """
    return HardSigmoid().apply((x,))[0]
