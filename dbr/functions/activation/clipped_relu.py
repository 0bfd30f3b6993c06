"""ReLU clipped from above."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import Scale


class ClippedReLU(FunctionNode):
    """``min(max(x, 0), z)``."""

    label = 'clipped_relu'

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, z):
        self.z = z

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        t = x.dtype.type
        return backend.get_array_module(x).clip(x, t(0), t(self.z)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        x = x.array
        return Scale((x > 0) & (x < self.z)).apply(grad_outputs)


def clipped_relu(x, z=20.0):
    """Clipped ReLU, ``min(max(x, 0), z)`` elementwise.

    Args:
        x: Variable or array of floats.
        z (float): Upper bound, positive.

    Returns:
        Variable of ``x``'s shape and dtype.

    Raises:
        ValueError: If ``z`` is not positive.

    Example:
        >>> F.clipped_relu(dbr.Variable(numpy.array([-1., 2., 9.], 'f')), z=5.0).array
        array([0., 2., 5.], dtype=float32)
    """
    z = float(z)
    if not z > 0:
        raise ValueError(f'clipped_relu: z must be positive, got {z}')
    return ClippedReLU(z).apply((x,))[0]
