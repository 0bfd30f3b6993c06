"""Elementwise clipping to an interval."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._binary import SCALAR_TYPES, as_scalar
from dbr.functions.math.where import masked


class Clip(FunctionNode):
    """``min(max(x, x_min), x_max)``; the gradient passes where ``x_min <= x <= x_max``."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, x_min, x_max):
        for name, v in (('x_min', x_min), ('x_max', x_max)):
            if v is not None and not isinstance(v, SCALAR_TYPES):
                raise TypeError(f'clip: {name} must be a scalar or None, got {type(v).__name__}')
        if x_min is None and x_max is None:
            raise ValueError('clip: x_min and x_max are both None; give at least one')
        if x_min is not None and x_max is not None and not x_min < x_max:
            raise ValueError(f'clip: x_min must be less than x_max, got x_min={x_min}, '
                             f'x_max={x_max}')
        # Python scalars, so NumPy keeps x's dtype.
        self.x_min = None if x_min is None else as_scalar(x_min)
        self.x_max = None if x_max is None else as_scalar(x_max)

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        if self.x_min is None:
            return xp.minimum(x, self.x_max),
        if self.x_max is None:
            return xp.maximum(x, self.x_min),
        return xp.clip(x, self.x_min, self.x_max),

    def backward(self, indexes, grad_outputs):
        x = self.get_retained_inputs()[0].array
        if self.x_min is None:
            inside = x <= self.x_max
        elif self.x_max is None:
            inside = x >= self.x_min
        else:
            inside = (x >= self.x_min) & (x <= self.x_max)
        return masked(inside, grad_outputs[0]),


def clip(x, x_min, x_max):
    """Clips the elements of ``x`` to the interval ``[x_min, x_max]``.

    The gradient is 1 inside the interval, its edges included, and 0 outside.

    Args:
        x: Variable or array of floats.
        x_min (float or None): Lower bound; None for none.
        x_max (float or None): Upper bound; None for none. At least one bound must be given
            and ``x_min < x_max``.

    Example:
        >>> F.clip(dbr.Variable(numpy.array([-2., 0.5, 3.], 'f')), 0., 1.).array
        array([0. , 0.5, 1. ], dtype=float32)
    """
    return Clip(x_min, x_max).apply((x,))[0]
