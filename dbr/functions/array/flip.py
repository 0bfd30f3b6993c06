"""Reverse the order of elements along an axis."""
from dbr.function_node import FunctionNode
from dbr.functions.array._axis import normalize_axis


class Flip(FunctionNode):
    """Reverses ``x`` along ``axis`` (a view); the gradient is flipped back."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        axis = normalize_axis(self.axis, x.ndim, self.label, x.shape)
        return x[(slice(None),) * axis + (slice(None, None, -1),)],

    def backward(self, indexes, grad_outputs):
        return Flip(self.axis).apply(grad_outputs)


def flip(x, axis):
    """Reverses the order of the elements of ``x`` along ``axis``.

    Args:
        x: Variable or array.
        axis (int): The axis to reverse.

    Returns:
        Variable: The reversed array (a view).

    Example:
        >>> F.flip(numpy.arange(3, dtype='f'), 0).array
        array([2., 1., 0.], dtype=float32)
    """
    return Flip(axis).apply((x,))[0]
