"""Elementwise linear interpolation between two arrays."""
from dbr import type_check
from dbr.function_node import FunctionNode


class LinearInterpolate(FunctionNode):
    """``p * x + (1 - p) * y``, differentiable in all three."""

    check_type_forward = type_check.expects(
        'p, x, y', "p.dtype.kind == 'f'", 'p.dtype == x.dtype', 'p.dtype == y.dtype',
        'p.shape == x.shape', 'p.shape == y.shape')

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2))
        p, x, y = inputs
        return p * x + (1 - p) * y,

    def backward(self, indexes, grad_outputs):
        p, x, y = self.get_retained_inputs()
        g, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(g * (x - y))
            elif i == 1:
                ret.append(g * p)
            else:
                ret.append(g * (1.0 - p))
        return tuple(ret)


def linear_interpolate(p, x, y):
    """Elementwise linear interpolation ``p * x + (1 - p) * y``.

    Args:
        p, x, y: Variables or arrays of one float dtype and one shape.

    Example:
        >>> p = dbr.Variable(numpy.array([0., 0.25, 1.], 'f'))
        >>> F.linear_interpolate(p, numpy.full(3, 4., 'f'), numpy.zeros(3, 'f')).array
        array([0., 1., 4.], dtype=float32)
    """
    return LinearInterpolate().apply((p, x, y))[0]
