"""Broadcast to a larger shape."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.variable import Variable


class BroadcastTo(FunctionNode):
    """Broadcasts ``x`` to ``shape`` following NumPy's rules."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    check_type_forward = type_check.expects(
        'x', 'x.ndim <= len(self.shape)',
        'all(s == 1 or s == t for s, t in zip(x.shape[::-1], self.shape[::-1]))')

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = backend.get_array_module(x)
        if x.ndim == 0:
            # A scalar (e.g. the gradient of a full sum): filling is several times cheaper than
            # building a broadcast view, and the result is writable.
            return xp.full(self.shape, x, dtype=x.dtype),
        return xp.broadcast_to(x, self.shape),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.sum_to import sum_to
        return sum_to(grad_outputs[0], self._in_shape),


def broadcast_to(x, shape):
    """Broadcasts ``x`` to ``shape`` (returns ``x`` itself if the shape is unchanged).

    The result is a read-only view; gradients flowing back are summed over the broadcast axes.

    Args:
        x: Variable or array.
        shape (tuple of ints): Target shape.

    Example:
        >>> F.broadcast_to(dbr.Variable(numpy.ones(3, 'f')), (2, 3)).shape
        (2, 3)
    """
    shape = tuple(shape)
    if isinstance(x, Variable) and x.shape == shape:
        return x
    return BroadcastTo(shape).apply((x,))[0]
