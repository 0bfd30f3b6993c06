"""Cumulative product along an axis."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import normalize_axes


def _scan(xp, a, b, axis, reverse):
    """The linear recurrence ``h_k = a_k h_(k-1) + b_k`` along ``axis`` (``a_0`` unused), or with
    ``reverse`` ``h_k = a_(k+1) h_(k+1) + b_k`` from the end, on raw arrays.

    Hillis-Steele doubling: log2(n) vectorized steps, each composing the affine maps of spans
    twice as long, so there is no Python loop over the axis and no division (exact at zeros).
    """
    h = xp.moveaxis(b, axis, 0)
    m = xp.moveaxis(a, axis, 0)
    if reverse:
        h = h[::-1]
        m = xp.concatenate([m[:1], m[:0:-1]])   # the multiplier between reversed k-1 and k
    h = h.copy()
    n = h.shape[0]
    d = 1
    while d < n:
        h[d:] += m[d:] * h[:-d]
        d *= 2
        if d < n:
            m = xp.concatenate([m[:d // 2], m[d // 2:] * m[:-(d // 2)]])
    if reverse:
        h = h[::-1]
    return xp.ascontiguousarray(xp.moveaxis(h, 0, axis))


def _shift(v, axis, fill):
    """``v`` moved one step along ``axis``: ``[fill, v_0, ..., v_(n-2)]`` (differentiable)."""
    from dbr.functions.array.concat import concat
    from dbr.functions.array.get_item import get_item
    xp = backend.get_array_module(v.array)
    head = (slice(None),) * axis
    edge = xp.full(v.shape[:axis] + (1,) + v.shape[axis + 1:], fill, v.dtype)
    return concat([edge, get_item(v, head + (slice(None, -1),))], axis)


class LinearScan(FunctionNode):
    """``h = scan(a, b)`` along ``axis`` (see :func:`_scan`); linear in ``b``, so its adjoint
    is the scan in the other direction, and the gradient in ``a`` pairs it with ``h``."""

    def __init__(self, axis, reverse):
        self.axis = axis
        self.reverse = reverse

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        a, b = inputs
        return _scan(backend.get_array_module(a), a, b, self.axis, self.reverse),

    def backward(self, indexes, grad_outputs):
        a, = self.get_retained_inputs()
        h, = self.get_retained_outputs()
        gb, = LinearScan(self.axis, not self.reverse).apply((a, grad_outputs[0]))
        ret = []
        for i in indexes:
            if i == 1:
                ret.append(gb)
            elif self.reverse:    # d/da_k = gb_(k-1) h_k
                ret.append(_shift(gb, self.axis, 0) * h)
            else:                 # d/da_k = gb_k h_(k-1)
                ret.append(gb * _shift(h, self.axis, 0))
        return tuple(ret)


class Cumprod(FunctionNode):
    """Cumulative product of ``x`` along ``axis``.

    The gradient is computed without division, so it is exact where ``x`` has zeros:
    ``gx_k = y_(k-1) z_k`` with ``z_k = gy_k + x_(k+1) z_(k+1)`` (a reverse :class:`LinearScan`).
    """

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'", 'x.ndim >= 1')

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        x, = inputs
        self._axis, = normalize_axes(self.axis, x.shape, self.label)
        return backend.get_array_module(x).cumprod(x, axis=self._axis),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        axis = self._axis
        if x.shape[axis] == 0:
            return gy,
        z, = LinearScan(axis, True).apply((x, gy))
        return _shift(y, axis, 1) * z,


def cumprod(x, axis=None):
    """Cumulative product of the elements of ``x`` along ``axis``.

    Its gradient is exact also where ``x`` has zeros (no division by ``x``).

    Args:
        x: Variable or array of floats.
        axis (int or None): The axis to multiply along; None multiplies along the flattened
            ``x`` (the result is then 1-D).

    Example:
        >>> F.cumprod(dbr.Variable(numpy.array([[1., 2., 3.], [4., 5., 6.]])), axis=1).array
        array([[  1.,   2.,   6.],
               [  4.,  20., 120.]])
    """
    if axis is None:
        from dbr.functions.array.reshape import reshape
        x = reshape(x, (-1,))
        axis = 0
    elif not isinstance(axis, (int, numpy.integer)):
        raise TypeError(f'cumprod: axis must be None or an int, got {axis!r}')
    return Cumprod(axis).apply((x,))[0]
