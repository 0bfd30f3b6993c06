"""Maxout: the maximum over groups of units."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class Maxout(FunctionNode):
    """Max over ``pool_size`` consecutive entries of ``axis``.

    With ``index`` given (the argmax of an earlier call) it gathers those entries instead,
    which is how the gradient of the gradient selects the same winners.
    """

    check_type_forward = type_check.expects(
        'x', "x.dtype.kind == 'f'", '-x.ndim <= self.axis < x.ndim',
        'x.shape[self.axis] % self.pool_size == 0')

    def __init__(self, pool_size, axis, index=None):
        self.pool_size = pool_size
        self.axis = axis
        self.index = index

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        axis = self.axis % x.ndim
        self._in_shape = x.shape
        xr = x.reshape(x.shape[:axis] + (x.shape[axis] // self.pool_size, self.pool_size)
                       + x.shape[axis + 1:])
        if self.index is None:
            self.index = xp.expand_dims(xr.argmax(axis=axis + 1), axis + 1)
        return xp.take_along_axis(xr, self.index, axis + 1).squeeze(axis + 1),

    def backward(self, indexes, grad_outputs):
        return MaxoutGrad(self.pool_size, self.axis % len(self._in_shape), self.index,
                          self._in_shape).apply(grad_outputs)


class MaxoutGrad(FunctionNode):
    """Scatters ``gy`` to the winning entries, zeros elsewhere; linear in ``gy``."""

    def __init__(self, pool_size, axis, index, in_shape):
        self.pool_size = pool_size
        self.axis = axis
        self.index = index
        self.in_shape = in_shape

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        axis = self.axis
        ones = (1,) * (len(self.in_shape) - axis - 1)
        hit = self.index == xp.arange(self.pool_size).reshape((self.pool_size,) + ones)
        gx = xp.expand_dims(gy, axis + 1) * hit
        return gx.reshape(self.in_shape),

    def backward(self, indexes, grad_outputs):
        return Maxout(self.pool_size, self.axis, self.index).apply(grad_outputs)


def maxout(x, pool_size, axis=1):
    """Maxout: splits ``axis`` (of size ``M * pool_size``) into ``(M, pool_size)`` and takes
    the maximum over the ``pool_size`` part.

    The gradient flows to one winner per group (the first one on ties).

    Args:
        x: Variable or array of floats.
        pool_size (int): Number of units per group, positive.
        axis (int): Axis to pool over; its size must be a multiple of ``pool_size``.

    Returns:
        Variable shaped like ``x`` with ``x.shape[axis] // pool_size`` on ``axis``.

    Raises:
        ValueError: If ``pool_size`` is not a positive integer.
        InvalidType: If ``axis`` is out of range or its size is not a multiple of
            ``pool_size``.

    Example:
        >>> x = dbr.Variable(numpy.array([[1., 4., 3., 2.]], 'f'))
        >>> F.maxout(x, 2).array
        array([[4., 3.]], dtype=float32)
    """
    if isinstance(pool_size, bool) or not isinstance(pool_size, (int, numpy.integer)) \
            or pool_size <= 0:
        raise ValueError(f'maxout: pool_size must be a positive integer, got {pool_size!r}')
    if isinstance(axis, bool) or not isinstance(axis, (int, numpy.integer)):
        raise TypeError(f'maxout: axis must be an int, got {axis!r}')
    return Maxout(int(pool_size), int(axis)).apply((x,))[0]
