"""Log-softmax along an axis."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class LogSoftmax(FunctionNode):
    """``x - logsumexp(x)`` along ``axis``; the output is kept for backward."""

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
        # (x - max) - log(sum(exp(x - max))): adding the max back before subtracting would
        # round |x| ~ 1e4 logits to float32's 1e-3 spacing there.
        y = x - x.max(axis=self.axis, keepdims=True)
        y -= xp.log(xp.exp(y).sum(axis=self.axis, keepdims=True))
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.exp import exp
        from dbr.functions.math.sum import sum as sum_
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        return gy - exp(y) * sum_(gy, axis=self.axis, keepdims=True),


def log_softmax(x, axis=1):
    """Logarithm of the softmax along ``axis``, computed without overflow.

    Args:
        x: Variable or array, at least 1-D.
        axis (int): Axis to normalize over (Chainer's default: 1).

    Example:
        >>> F.log_softmax(dbr.Variable(numpy.zeros((1, 2), 'f'))).array
        array([[-0.6931472, -0.6931472]], dtype=float32)
    """
    return LogSoftmax(axis).apply((x,))[0]
