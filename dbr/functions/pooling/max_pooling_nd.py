"""N-dimensional max pooling, its gradient scatter and that scatter's transpose (a gather)."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.pooling import _windows


class MaxPoolingND(FunctionNode):
    """Max over each pooling window; the argmax is found only when a gradient is needed."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, geo, return_indices=False):
        self.geo = geo
        self.return_indices = return_indices
        self.indexes = None

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        y = _windows.window_max(x, self.geo, xp)
        self.order = _windows.memory_order(x)
        if self.return_indices:
            self.indexes = _windows.window_argmax(x, y, self.geo, xp)
        else:
            self.retain_inputs((0,))
            self.retain_outputs((0,))
        return y,

    def backward(self, indexes, grad_outputs):
        if self.indexes is None:
            x = self.get_retained_inputs()[0].array
            y = self.output_data[0]
            if self.geo.first_max_ok:
                # Disjoint windows: the gradient is routed without materializing the argmax,
                # which only a double backward needs.
                return MaxPoolingNDGrad(self.geo, None, self.order, x, y).apply(grad_outputs)
            self.indexes = _windows.window_argmax(x, y, self.geo, backend.get_array_module(x))
        return MaxPoolingNDGrad(self.geo, self.indexes, self.order).apply(grad_outputs)


class MaxPoolingNDGrad(FunctionNode):
    """Routes each window's gradient to the input element that was its maximum.

    Either ``indexes`` (the argmax offsets) or, for disjoint windows, the pooled input ``x``
    and output ``y`` from which the first maximum of each window is found on the fly.
    ``order`` is the memory order of the result (see ``_windows.memory_order``); None takes
    that of the incoming gradient.
    """

    def __init__(self, geo, indexes, order=None, x=None, y=None):
        self.geo = geo
        self.indexes = indexes
        self.order = order
        self._xy = x, y

    def _argmax(self):
        if self.indexes is None:
            x, y = self._xy
            self.indexes = _windows.window_argmax(x, y, self.geo, backend.get_array_module(x))
        return self.indexes

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        if self.indexes is None:
            x, y = self._xy
            return _windows.first_max_scatter(x, y, gy, self.geo, xp),
        order = _windows.memory_order(gy) if self.order is None else self.order
        return _windows.window_scatter(gy, self.indexes, self.geo, xp, order),

    def backward(self, indexes, grad_outputs):
        return MaxPoolingNDGather(self.geo, self._argmax()).apply(grad_outputs)


class MaxPoolingNDGather(FunctionNode):
    """Picks, per window, the element at the saved argmax: the transpose of the scatter."""

    def __init__(self, geo, indexes):
        self.geo = geo
        self.indexes = indexes

    def forward(self, inputs):
        gx, = inputs
        self.order = _windows.memory_order(gx)
        return _windows.window_sum(gx, self.indexes, self.geo, backend.get_array_module(gx)),

    def backward(self, indexes, grad_outputs):
        return MaxPoolingNDGrad(self.geo, self.indexes, self.order).apply(grad_outputs)


def apply_max_pooling(node_class, label, nd, x, ksize, stride, pad, cover_all,
                      return_indices):
    """Shared body of ``max_pooling_2d`` and ``max_pooling_nd``."""
    geo = _windows.geometry(label, x.shape, nd, ksize, stride, pad, cover_all)
    node = node_class(geo, return_indices)
    y, = node.apply((x,))
    if return_indices:
        return y, node.indexes.astype(numpy.intp)
    return y


def max_pooling_nd(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """N-dimensional spatial max pooling.

    Each output element is the maximum of a window of the input ``(n, c, d_1, ..., d_N)``;
    padding never wins (it reads as -inf).

    Args:
        x: Variable or array of shape ``(n, c, d_1, ..., d_N)``, N >= 1.
        ksize (int or tuple of ints): Window size; ``k`` means ``(k, ..., k)``.
        stride (int or tuple of ints or None): Window step; None means ``ksize``.
        pad (int or tuple of ints): Padding on both sides of each spatial axis.
        cover_all (bool): If True, the output grows so that every input element lies in some
            window: output size ``(d + 2p - k + s - 1) // s + 1`` instead of
            ``(d + 2p - k) // s + 1``.
        return_indices (bool): Also return the position of each maximum inside its window
            (flat, row-major), for :func:`upsampling_2d`.

    Returns:
        The pooled Variable, or ``(y, indexes)`` with ``return_indices``. The gradient goes to
        one maximal element per window (the first one on ties).

    Example:
        >>> x = numpy.arange(8, dtype='f').reshape(1, 1, 8)
        >>> F.max_pooling_nd(x, 2).array
        array([[[1., 3., 5., 7.]]], dtype=float32)
    """
    return apply_max_pooling(MaxPoolingND, 'max_pooling_nd', None, x, ksize, stride, pad,
                             cover_all, return_indices)
