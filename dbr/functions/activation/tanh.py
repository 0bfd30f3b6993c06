"""Hyperbolic tangent."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.backends._kernels import Elementwise
from dbr.function_node import FunctionNode


_ndarray = numpy.ndarray  # the CPU check on every call: one global lookup


class Tanh(FunctionNode):
    """``tanh(x)``; backward uses the output: ``gy * (1 - y * y)``."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return backend.get_array_module(x).tanh(x),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return TanhGrad().apply((y, grad_outputs[0]))


_grad_kernel = Elementwise('T y, T gy', 'T gx', 'gx = (1 - y * y) * gy', 'dbr_tanh_grad')


class TanhGrad(FunctionNode):
    """``gy * (1 - y * y)`` as one node, so tanh's backward costs one op (one kernel on a GPU)."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        y, gy = inputs
        if y.__class__ is not _ndarray and backend.is_gpu_array(y):
            return self.forward_gpu(inputs)
        xp = backend.get_array_module(y)
        g = y * y
        if isinstance(g, xp.ndarray):
            xp.subtract(1, g, out=g)
            g *= gy
        else:  # 0-d inputs: NumPy returns a scalar, which has no buffer to write into
            g = (1 - g) * gy
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
                ret.append(-2 * y * gy * ggx)
            else:
                ret.append(ggx * (1 - y * y))
        return tuple(ret)


def tanh(x):
    """Hyperbolic tangent, elementwise.

    Example:
        >>> F.tanh(dbr.Variable(numpy.array([0.], 'f'))).array
        array([0.], dtype=float32)
    """
    return Tanh().apply((x,))[0]
