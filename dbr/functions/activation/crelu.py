"""Concatenated ReLU."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class CReLU(FunctionNode):
    """``concat(relu(x), relu(-x), axis)``; the input is kept for the sign masks."""

    label = 'crelu'

    check_type_forward = type_check.expects(
        'x', "x.dtype.kind == 'f'", '-x.ndim <= self.axis < x.ndim')

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        zero = x.dtype.type(0)
        return xp.concatenate((xp.maximum(x, zero), xp.maximum(-x, zero)), axis=self.axis),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        x = x.array
        return CReLUGrad(x > 0, x < 0, self.axis).apply(grad_outputs)


class CReLUGrad(FunctionNode):
    """``gy_pos * (x > 0) - gy_neg * (x < 0)`` for the two halves of ``gy``; linear."""

    def __init__(self, pos, neg, axis):
        self.pos = pos
        self.neg = neg
        self.axis = axis

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        g_pos, g_neg = xp.split(gy, 2, axis=self.axis)
        return g_pos * self.pos - g_neg * self.neg,

    def backward(self, indexes, grad_outputs):
        return _CReLUGradTranspose(self.pos, self.neg, self.axis).apply(grad_outputs)


class _CReLUGradTranspose(FunctionNode):
    """The adjoint of :class:`CReLUGrad`: ``concat(g * (x > 0), -g * (x < 0))``."""

    def __init__(self, pos, neg, axis):
        self.pos = pos
        self.neg = neg
        self.axis = axis

    def forward(self, inputs):
        g, = inputs
        xp = backend.get_array_module(g)
        return xp.concatenate((g * self.pos, -(g * self.neg)), axis=self.axis),

    def backward(self, indexes, grad_outputs):
        return CReLUGrad(self.pos, self.neg, self.axis).apply(grad_outputs)


def crelu(x, axis=1):
    """Concatenated ReLU: ``relu(x)`` and ``relu(-x)`` joined along ``axis``.

    Args:
        x: Variable or array of floats.
        axis (int): Axis to concatenate along; its size doubles.

    Returns:
        Variable shaped like ``x`` with ``2 * x.shape[axis]`` on ``axis``.

    Example:
        >>> F.crelu(dbr.Variable(numpy.array([[-1., 2.]], 'f'))).array
        array([[0., 2., 1., 0.]], dtype=float32)
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, numpy.integer)):
        raise TypeError(f'crelu: axis must be an int, got {axis!r}')
    return CReLU(int(axis)).apply((x,))[0]
