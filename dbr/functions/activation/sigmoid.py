"""Logistic sigmoid."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.backends._kernels import Elementwise
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import stable_sigmoid


_ndarray = numpy.ndarray  # the CPU check on every call: one global lookup


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


_grad_kernel = Elementwise('T y, T gy', 'T gx', 'gx = (1 - y) * y * gy', 'dbr_sigmoid_grad')


class SigmoidGrad(FunctionNode):
    """``gy * y * (1 - y)`` as one node (one kernel on the GPU)."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        y, gy = inputs
        if y.__class__ is not _ndarray and backend.is_gpu_array(y):
            return self.forward_gpu(inputs)
        g = 1 - y
        g *= y
        g *= gy
        return g,

    def forward_gpu(self, inputs):
        y, gy = inputs
        return _grad_kernel.get(y.dtype)(y, gy),

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
