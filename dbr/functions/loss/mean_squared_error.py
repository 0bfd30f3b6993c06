"""Mean squared error."""
import numpy

from dbr import type_check
from dbr.function_node import FunctionNode


class MeanSquaredError(FunctionNode):
    """``sum((x0 - x1) ** 2) / size`` as a 0-d array."""

    check_type_forward = type_check.expects(
        'x0, x1', "x0.dtype.kind == 'f'", 'x0.dtype == x1.dtype', 'x0.shape == x1.shape',
        'x0.size > 0')

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        diff = (x0 - x1).ravel()
        if diff.dtype.itemsize < 4:
            # a float16 sum of squares (or element count) overflows past 65504
            diff = diff.astype(numpy.float32)
        y = diff.dot(diff) / diff.dtype.type(diff.size)
        return y.astype(x0.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        x0, x1 = self.get_retained_inputs()
        gy, = grad_outputs
        gx0 = (x0 - x1) * (gy * (2.0 / x0.size))
        return tuple(gx0 if i == 0 else -gx0 for i in indexes)


def mean_squared_error(x0, x1):
    """Mean of the squared elementwise differences of ``x0`` and ``x1``.

    Args:
        x0, x1: Float Variables or arrays of one shape and dtype (not empty).

    Returns:
        A 0-d Variable.

    Example:
        >>> F.mean_squared_error(numpy.array([1., 2.], 'f'), numpy.array([1., 4.], 'f')).array
        array(2., dtype=float32)
    """
    return MeanSquaredError().apply((x0, x1))[0]
