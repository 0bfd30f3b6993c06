"""Squared L2 norm of each example of a batch."""
import math

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class BatchL2NormSquared(FunctionNode):
    """``y[i] = sum(x[i] ** 2)`` over all axes but the first; the gradient is ``2 x gy[i]``."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'", 'x.ndim >= 2')

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        x2 = x.reshape(len(x), math.prod(x.shape[1:]))
        xp = backend.get_array_module(x)
        return xp.einsum('ij,ij->i', x2, x2),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        x, = self.get_retained_inputs()
        gy = reshape(grad_outputs[0], (len(x),) + (1,) * (x.ndim - 1))
        return gy * x * 2.0,


def batch_l2_norm_squared(x):
    """Returns the squared L2 norm of each example: ``sum(x[i] ** 2)`` for each ``i``.

    Args:
        x: Variable or array of floats, of at least 2 dimensions; the first is the batch axis,
            the others are flattened into one.

    Returns:
        Variable of shape ``(x.shape[0],)``.

    Example:
        >>> F.batch_l2_norm_squared(dbr.Variable(numpy.array([[1., 2.], [3., 4.]]))).array
        array([ 5., 25.])
    """
    return BatchL2NormSquared().apply((x,))[0]
