"""Separate an array into its slices along an axis."""
from dbr import backend
from dbr.function_node import FunctionNode
from dbr.functions.array._axis import normalize_axis, zeros_for_missing


class Separate(FunctionNode):
    """Returns the slices ``x[..., i, ...]`` along ``axis`` as views; the gradient is a stack."""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        axis = self._axis = normalize_axis(self.axis, x.ndim, self.label, x.shape)
        self._dtype = x.dtype
        self._shape = x.shape[:axis] + x.shape[axis + 1:]
        if axis:
            x = backend.get_array_module(x).moveaxis(x, axis, 0)
        if x.ndim == 1:
            # Iterating a NumPy vector yields scalars; x[i, ...] keeps 0-d array views.
            return tuple([x[i, ...] for i in range(x.shape[0])])
        return tuple(x)

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.stack import stack
        xp = backend.get_array_module(*[g for g in grad_outputs if g is not None])
        gys = zeros_for_missing(grad_outputs, [self._shape] * len(grad_outputs), self._dtype, xp)
        return stack(gys, self._axis),


def separate(x, axis=0):
    """Splits ``x`` into its slices along ``axis``, removing that axis.

    Args:
        x: Variable or array, at least 1-D.
        axis (int): The axis to separate along.

    Returns:
        tuple of Variables: ``x.shape[axis]`` Variables of shape ``x.shape`` without ``axis``
        (an empty tuple when that length is 0). Slices that receive no gradient count as
        zeros in backward.

    Example:
        >>> a, b = F.separate(numpy.arange(6, dtype='f').reshape(2, 3))
        >>> b.array
        array([3., 4., 5.], dtype=float32)
    """
    return Separate(axis).apply((x,))
