"""Cumulative sum along an axis."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import normalize_axes


class Cumsum(FunctionNode):
    """Cumulative sum of ``x`` along ``axis``, from the end when ``reverse`` (its adjoint)."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'", 'x.ndim >= 1')

    def __init__(self, axis, reverse=False):
        self.axis = axis
        self.reverse = reverse

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        axis, = normalize_axes(self.axis, x.shape, self.label)
        if not self.reverse:
            return xp.cumsum(x, axis=axis),
        return xp.ascontiguousarray(xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis), axis)),

    def backward(self, indexes, grad_outputs):
        return Cumsum(self.axis, not self.reverse).apply(grad_outputs)


def cumsum(x, axis=None):
    """Cumulative sum of the elements of ``x`` along ``axis``.

    Args:
        x: Variable or array of floats.
        axis (int or None): The axis to sum along; None sums along the flattened ``x``
            (the result is then 1-D).

    Example:
        >>> F.cumsum(dbr.Variable(numpy.array([[1., 2.], [3., 4.]], 'f')), axis=1).array
        array([[1., 3.],
               [3., 7.]], dtype=float32)
    """
    if axis is None:
        from dbr.functions.array.reshape import reshape
        x = reshape(x, (-1,))
        axis = 0
    elif not isinstance(axis, (int, numpy.integer)):
        raise TypeError(f'cumsum: axis must be None or an int, got {axis!r}')
    return Cumsum(axis).apply((x,))[0]
