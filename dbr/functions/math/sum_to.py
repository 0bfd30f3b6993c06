"""Sum a broadcast array back to a smaller shape (the adjoint of broadcast_to)."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.variable import Variable


class SumTo(FunctionNode):
    """Sums ``x`` over the leading axes and the size-1 axes of ``shape``."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    # Written out (not a helper method) so that a failure names x.shape and self.shape.
    check_type_forward = type_check.expects(
        'x', 'x.ndim >= len(self.shape)',
        'all(s == 1 or s == t for s, t in zip(self.shape, x.shape[x.ndim - len(self.shape):]))')

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(self.shape) if s == 1 and x.shape[lead + i] != 1)
        y = backend.get_array_module(x).sum(x, axis=axes, keepdims=True) if axes else x
        if lead:
            y = y.reshape(self.shape)
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.broadcast_to import broadcast_to
        return broadcast_to(grad_outputs[0], self._in_shape),


def sum_to(x, shape):
    """Sums ``x`` down to ``shape``, undoing a broadcast (returns ``x`` if already that shape).

    Args:
        x: Variable or array.
        shape (tuple of ints): Target shape; ``x.shape`` must broadcast from it.

    Example:
        >>> F.sum_to(dbr.Variable(numpy.ones((2, 3), 'f')), (1, 3)).array
        array([[2., 2., 2.]], dtype=float32)
    """
    shape = tuple(shape)
    if isinstance(x, Variable) and x.shape == shape:
        return x
    return SumTo(shape).apply((x,))[0]
