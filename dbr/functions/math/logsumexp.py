"""log(sum(exp(x))) over axes, computed without overflow."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import check_nonempty, kept_shape, normalize_axes


class LogSumExp(FunctionNode):
    """``log(sum(exp(x), axis))`` shifted by the max for stability.

    A slice of only -inf gives -inf, and a zero gradient rather than NaN.
    """

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")
    label = 'logsumexp'

    def __init__(self, axis=None):
        self.axis = axis

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        self._axes = normalize_axes(self.axis, x.shape, self.label)
        check_nonempty(x, self._axes, self.axis, self.label)
        m = x.max(axis=self._axes, keepdims=True)
        # An all -inf slice would give -inf - -inf = NaN; shift it by 0 instead (not in place:
        # the max of a 0-d x is a NumPy scalar).
        m = xp.where(xp.isfinite(m), m, x.dtype.type(0))
        # -inf is the intended result of both: a difference beyond the float range (exp gives
        # 0) and the log of an all -inf slice's sum of 0.
        with numpy.errstate(over='ignore', divide='ignore'):
            y = xp.log(xp.exp(x - m).sum(axis=self._axes, keepdims=True)) + m
        reduced = range(x.ndim) if self._axes is None else self._axes
        return y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in reduced)),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.exp import exp
        from dbr.functions.math.where import where
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        keep = kept_shape(x.shape, self._axes)
        y = reshape(y, keep)
        # Where y is -inf (all of its slice is -inf), shift by +inf instead: exp(-inf - inf)
        # gives a zero gradient where exp(-inf - -inf) would give NaN.
        y = where(y.array == -numpy.inf, numpy.inf, y)
        return reshape(grad_outputs[0], keep) * exp(x - y),


def logsumexp(x, axis=None):
    """Returns ``log(sum(exp(x)))`` over ``axis``, stable for large ``|x|``.

    Args:
        x: Variable or array of floats.
        axis: None (all axes), an int or a tuple of ints.

    Example:
        >>> F.logsumexp(dbr.Variable(numpy.zeros(4, 'f'))).array
        array(1.3862944, dtype=float32)
    """
    return LogSumExp(axis).apply((x,))[0]
