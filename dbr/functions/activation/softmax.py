"""Softmax along an axis."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class Softmax(FunctionNode):
    """``exp(x) / sum(exp(x))`` along ``axis``, shifted by the max for stability."""

    check_type_forward = type_check.expects(
        'x', "x.dtype.kind == 'f'", 'x.ndim >= 1', '-x.ndim <= self.axis < x.ndim')

    def __init__(self, axis=1):
        self.axis = axis

    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        if x.shape[self.axis] == 0:
            return x.copy(),  # nothing to normalize (and max() of nothing is an error)
        xp = backend.get_array_module(x)
        y = x - x.max(axis=self.axis, keepdims=True)
        xp.exp(y, out=y)
        y /= y.sum(axis=self.axis, keepdims=True)
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.sum import sum as sum_
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        gx = y * gy
        return gx - y * sum_(gx, axis=self.axis, keepdims=True),


def softmax(x, axis=1):
    """Softmax along ``axis`` (Chainer's default: 1), stable for large logits.

    Args:
        x: Variable or array, at least 1-D.
        axis (int): Axis to normalize over.

    Example:
        >>> F.softmax(dbr.Variable(numpy.zeros((1, 2), 'f'))).array
        array([[0.5, 0.5]], dtype=float32)
    """
    return Softmax(axis).apply((x,))[0]
