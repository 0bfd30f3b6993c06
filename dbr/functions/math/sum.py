"""Sum over axes."""
import numpy

from dbr import backend
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import kept_shape, normalize_axes


class Sum(FunctionNode):
    """Sum of ``x`` over ``axis`` (all axes when None)."""

    def __init__(self, axis=None, keepdims=False):
        if axis is not None and not isinstance(axis, (int, numpy.integer, tuple, list)):
            raise TypeError(f'sum: axis must be None, an int or a tuple of ints, got {axis!r}')
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        self._axes = normalize_axes(self.axis, x.shape, self.label)
        return backend.get_array_module(x).sum(x, axis=self._axes, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.broadcast_to import broadcast_to
        from dbr.functions.array.reshape import reshape
        gy, = grad_outputs
        if not self.keepdims and self._axes is not None:
            # A full reduction's 0-d gradient broadcasts as it is; partial ones need their axes back.
            gy = reshape(gy, kept_shape(self._in_shape, self._axes))
        return broadcast_to(gy, self._in_shape),


def sum(x, axis=None, keepdims=False):
    """Sums the elements of ``x`` over ``axis``.

    Args:
        x: Variable or array.
        axis: None (all axes), an int, or a tuple of ints.
        keepdims (bool): Keep the reduced axes with length 1.

    Example:
        >>> F.sum(dbr.Variable(numpy.ones((2, 3), 'f')), axis=1).array
        array([3., 3.], dtype=float32)
    """
    return Sum(axis, keepdims).apply((x,))[0]
