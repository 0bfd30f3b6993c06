"""Elementwise absolute error."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class AbsoluteError(FunctionNode):
    """``|x0 - x1|``; piecewise linear, so its gradient is ``+-gy sign(x0 - x1)`` (0 at ties)."""

    check_type_forward = type_check.expects(
        'x0, x1', "x0.dtype.kind == 'f'", 'x0.dtype == x1.dtype', 'x0.shape == x1.shape')

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        return backend.get_array_module(x0).abs(x0 - x1),

    def backward(self, indexes, grad_outputs):
        x0, x1 = self.get_retained_inputs()
        diff = x0.array - x1.array
        gx0 = grad_outputs[0] * backend.get_array_module(diff).sign(diff)
        return tuple(gx0 if i == 0 else -gx0 for i in indexes)


def absolute_error(x0, x1):
    """Returns the absolute error ``|x0 - x1|`` elementwise (not reduced).

    Args:
        x0, x1: Variables or arrays of one float dtype and one shape.

    Returns:
        Variable of the inputs' shape.

    Example:
        >>> F.absolute_error(dbr.Variable(numpy.array([1., 5.])), numpy.array([3., 2.])).array
        array([2., 3.])
    """
    return AbsoluteError().apply((x0, x1))[0]
