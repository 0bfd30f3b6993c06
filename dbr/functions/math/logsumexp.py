"""log(sum(exp(x))) over axes, computed without overflow."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import kept_shape, normalize_axes


class LogSumExp(FunctionNode):
    """``log(sum(exp(x), axis))`` shifted by the max for stability."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, axis=None):
        self.axis = axis

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        self._axes = normalize_axes(self.axis, x.shape, self.label)
        m = x.max(axis=self._axes, keepdims=True)
        # An all -inf slice would give inf - inf; shift it by 0 instead.
        m[~xp.isfinite(m)] = 0
        y = xp.log(xp.exp(x - m).sum(axis=self._axes, keepdims=True)) + m
        reduced = range(x.ndim) if self._axes is None else self._axes
        return y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in reduced)),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.broadcast_to import broadcast_to
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.exp import exp
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        keep = kept_shape(x.shape, self._axes)
        y = broadcast_to(reshape(y, keep), x.shape)
        gy = broadcast_to(reshape(gy, keep), x.shape)
        return gy * exp(x - y),


def logsumexp(x, axis=None):
    """Returns ``log(sum(exp(x)))`` over ``axis``, stable for large ``|x|``.

    Args:
        x: Variable or array.
        axis: None (all axes), an int or a tuple of ints.

    Example:
        >>> F.logsumexp(dbr.Variable(numpy.zeros(4, 'f'))).array
        array(1.3862944, dtype=float32)
    """
    return LogSumExp(axis).apply((x,))[0]
