"""Leaky rectified linear unit."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import Scale


class LeakyReLU(FunctionNode):
    """``x`` where ``x >= 0``, ``slope * x`` elsewhere."""

    label = 'leaky_relu'

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, slope):
        self.slope = slope

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        # With a positive slope the output has the input's sign, so keeping the output (which
        # the next layer holds anyway) is enough to find the negative side.
        if self.slope > 0:
            self.retain_outputs((0,))
        else:
            self.retain_inputs((0,))
        y = xp.minimum(x, x.dtype.type(0))
        y *= x.dtype.type(self.slope)
        y += xp.maximum(x, x.dtype.type(0))
        return y,

    def backward(self, indexes, grad_outputs):
        if self.slope > 0:
            v, = self.get_retained_outputs()
        else:
            v, = self.get_retained_inputs()
        neg = v.array < 0
        slope = neg * v.dtype.type(self.slope)
        slope += ~neg
        return Scale(slope).apply(grad_outputs)


def leaky_relu(x, slope=0.2):
    """Leaky ReLU: ``x`` for ``x >= 0`` and ``slope * x`` for ``x < 0``, elementwise.

    Args:
        x: Variable or array of floats.
        slope (float): Slope of the negative side.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> F.leaky_relu(dbr.Variable(numpy.array([-1., 2.], 'f'))).array
        array([-0.2,  2. ], dtype=float32)
    """
    return LeakyReLU(float(slope)).apply((x,))[0]
