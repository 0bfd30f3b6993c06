"""Logistic sigmoid."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import stable_sigmoid


class Sigmoid(FunctionNode):
    """``1 / (1 + exp(-x))``, stable for any ``x``; the output is kept for backward."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return stable_sigmoid(backend.get_array_module(x), x),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return SigmoidGrad().apply((y, grad_outputs[0]))


class SigmoidGrad(FunctionNode):
    """``gy * y * (1 - y)`` as one node."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        y, gy = inputs
        g = 1 - y
        g *= y
        g *= gy
        return g,

    def backward(self, indexes, grad_outputs):
        y, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(ggx * gy * (1 - 2 * y))
            else:
                ret.append(ggx * y * (1 - y))
        return tuple(ret)


def sigmoid(x):
    """Logistic sigmoid elementwise, numerically stable for large ``|x|``.

    Example:
        >>> F.sigmoid(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.5], dtype=float32)
    """
    return Sigmoid().apply((x,))[0]
