"""Sum over axes."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


def _normalize_axis(axis, shape, label):
    if axis is None:
        return None
    ndim = len(shape)
    axes = (axis,) if isinstance(axis, (int, numpy.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise type_check.InvalidType(f'axis in [{-ndim}, {ndim})',
                                         f'axis={axis}, x.shape={tuple(shape)}', label)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f'{label}: duplicate axes in {axis}')
    return tuple(sorted(out))


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
        self._axes = _normalize_axis(self.axis, x.shape, self.label)
        return backend.get_array_module(x).sum(x, axis=self._axes, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.broadcast_to import broadcast_to
        from dbr.functions.array.reshape import reshape
        gy, = grad_outputs
        if not self.keepdims and self._in_shape:
            axes = range(len(self._in_shape)) if self._axes is None else self._axes
            shape = list(gy.shape)
            for a in axes:
                shape.insert(a, 1)
            gy = reshape(gy, tuple(shape))
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
