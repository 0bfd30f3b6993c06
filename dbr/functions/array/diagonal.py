"""Take a diagonal."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array._axis import normalize_axis


class Diagonal(FunctionNode):
    """``x.diagonal(offset, axis1, axis2)``: the diagonal becomes the last axis."""

    def __init__(self, offset=0, axis1=0, axis2=1):
        self.offset = offset
        self.axis1 = axis1
        self.axis2 = axis2

    def forward(self, inputs):
        x, = inputs
        a1 = normalize_axis(self.axis1, x.ndim, self.label, x.shape, 'axis1')
        a2 = normalize_axis(self.axis2, x.ndim, self.label, x.shape, 'axis2')
        if a1 == a2:
            raise type_check.InvalidType('axis1 and axis2 to be different axes',
                                         f'axis1={self.axis1}, axis2={self.axis2}, '
                                         f'x.shape={x.shape}', self.label)
        self._axes = (a1, a2)
        self._in_shape = x.shape
        return x.diagonal(self.offset, a1, a2),

    def backward(self, indexes, grad_outputs):
        return DiagonalGrad(self.offset, self._axes, self._in_shape).apply(grad_outputs)


class DiagonalGrad(FunctionNode):
    """Zeros of ``shape`` with ``gy`` written on the diagonal; its gradient is diagonal."""

    def __init__(self, offset, axes, shape):
        self.offset = offset
        self.axes = axes
        self.shape = shape

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        a1, a2 = self.axes
        gx = xp.zeros(self.shape, gy.dtype)
        # Write through a view with axis1 and axis2 moved last, where the diagonal is
        # [..., i, i + offset]; diagonal() views are read-only in NumPy.
        view = xp.moveaxis(gx, (a1, a2), (-2, -1))
        k = gy.shape[-1]
        i = xp.arange(k)
        view[..., i + max(-self.offset, 0), i + max(self.offset, 0)] = gy
        return gx,

    def backward(self, indexes, grad_outputs):
        a1, a2 = self.axes
        return Diagonal(self.offset, a1, a2).apply(grad_outputs)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """Returns the diagonal of ``x`` over ``axis1`` and ``axis2``, like :func:`numpy.diagonal`.

    Args:
        x: Variable or array with at least two axes.
        offset (int): Offset from the main diagonal (positive: above it).
        axis1, axis2 (int): The two axes holding the matrices.

    Returns:
        Variable: The diagonals, with ``axis1`` and ``axis2`` removed and the diagonal
        appended as the last axis.

    Example:
        >>> F.diagonal(numpy.arange(9, dtype='f').reshape(3, 3), offset=1).array
        array([1., 5.], dtype=float32)
    """
    return Diagonal(offset, axis1, axis2).apply((x,))[0]
