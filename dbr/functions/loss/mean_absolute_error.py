"""Mean absolute error."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._simple_loss import total


class MeanAbsoluteError(FunctionNode):
    """``sum(|x0 - x1|) / size`` as a 0-d array."""

    check_type_forward = type_check.expects(
        'x0, x1', "x0.dtype.kind == 'f'", 'x0.dtype == x1.dtype', 'x0.shape == x1.shape',
        'x0.size > 0')

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        diff = x0 - x1
        return total(abs(diff), diff.size),

    def backward(self, indexes, grad_outputs):
        x0, x1 = self.get_retained_inputs()
        gy, = grad_outputs
        diff = x0.array - x1.array
        # piecewise linear: the gradient is a constant sign pattern (0 where x0 == x1)
        sign = backend.get_array_module(diff).sign(diff)
        gx0 = gy * (1.0 / diff.size) * sign
        return tuple(gx0 if i == 0 else -gx0 for i in indexes)


def mean_absolute_error(x0, x1):
    """Mean of the absolute elementwise differences of ``x0`` and ``x1``.

    Args:
        x0, x1: Float Variables or arrays of one shape and dtype (not empty).

    Returns:
        A 0-d Variable.

    Example:
        >>> F.mean_absolute_error(numpy.array([1., 2.], 'f'), numpy.array([2., 4.], 'f')).array
        array(1.5, dtype=float32)
    """
    return MeanAbsoluteError().apply((x0, x1))[0]
