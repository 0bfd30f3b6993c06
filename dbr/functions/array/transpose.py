"""Permute axes."""
import numpy

from dbr import type_check
from dbr.function_node import FunctionNode


class Transpose(FunctionNode):
    """Permutes the axes of ``x`` (reverses them when ``axes`` is None)."""

    def __init__(self, axes=None):
        self.axes = None if axes is None else tuple(int(a) for a in axes)

    check_type_forward = type_check.expects(
        'x', 'self.axes is None or '
        'sorted(a + x.ndim if a < 0 else a for a in self.axes) == list(range(x.ndim))')

    def forward(self, inputs):
        x, = inputs
        return x.transpose(self.axes),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if self.axes is None:
            return transpose(gy),
        inverse = tuple(numpy.argsort([a % gy.ndim for a in self.axes]))
        return transpose(gy, inverse),


def transpose(x, axes=None):
    """Permutes the axes of ``x``.

    Args:
        x: Variable or array.
        axes (tuple of ints): The new order of axes; None reverses them.

    Example:
        >>> F.transpose(dbr.Variable(numpy.zeros((2, 3), 'f'))).shape
        (3, 2)
    """
    return Transpose(axes).apply((x,))[0]
