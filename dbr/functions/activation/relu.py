"""Rectified linear unit."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.backends._kernels import Elementwise
from dbr.function_node import FunctionNode


_ndarray = numpy.ndarray  # the CPU check on every call: one global lookup


class ReLU(FunctionNode):
    """``max(x, 0)``; its backward keeps only the output."""

    label = 'relu'

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return backend.get_array_module(x).maximum(x, 0, dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return ReLUGrad(y.array).apply(grad_outputs)


# The mask multiplies, as on the CPU, so a NaN or -0.0 in gy behaves the same on both.
_grad_kernel = Elementwise('Y y, T gy', 'T gx', 'gx = gy * (T)(y > (Y)0)', 'dbr_relu_grad')


class ReLUGrad(FunctionNode):
    """``gy * (y > 0)``; linear in ``gy``, so its own backward is itself."""

    def __init__(self, y):
        self.y = y

    def forward(self, inputs):
        gy, = inputs
        if gy.__class__ is not _ndarray and backend.is_gpu_array(gy):
            return self.forward_gpu(inputs)
        return gy * (self.y > 0),

    def forward_gpu(self, inputs):
        gy, = inputs
        return _grad_kernel.get(gy.dtype)(self.y, gy),

    def backward(self, indexes, grad_outputs):
        return ReLUGrad(self.y).apply(grad_outputs)


def relu(x):
    """Rectified linear unit, ``max(x, 0)`` elementwise.

    Example:
        >>> F.relu(dbr.Variable(numpy.array([-1., 2.], 'f'))).array
        array([0., 2.], dtype=float32)
    """
    return ReLU().apply((x,))[0]
