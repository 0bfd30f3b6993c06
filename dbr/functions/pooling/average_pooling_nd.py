"""N-dimensional average pooling and its gradient (the transposed window sum)."""
import numbers

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.pooling import _windows


def _on_device(divisor, like, xp):
    return divisor if isinstance(divisor, int) else xp.asarray(divisor, dtype=like.dtype)


class AveragePoolingND(FunctionNode):
    """Sum over each window divided by ``divisor``: an int, a host array of per-window counts,
    or None (a plain window sum)."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, geo, divisor):
        self.geo = geo
        self.divisor = divisor

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        y = _windows.window_sum(x, None, self.geo, xp)
        self.order = _windows.memory_order(x)
        if self.divisor is not None:
            y /= _on_device(self.divisor, y, xp)  # y is a fresh array
        return y,

    def backward(self, indexes, grad_outputs):
        return AveragePoolingNDGrad(self.geo, self.divisor, self.order).apply(grad_outputs)


class AveragePoolingNDGrad(FunctionNode):
    """Spreads ``gy / divisor`` over every window position; linear, the transpose of
    :class:`AveragePoolingND`. The result is laid out in memory ``order`` (that of the pooled
    input, see ``_windows.memory_order``); None takes the incoming array's."""

    def __init__(self, geo, divisor, order=None):
        self.geo = geo
        self.divisor = divisor
        self.order = order

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        order = _windows.memory_order(gy) if self.order is None else self.order
        if self.divisor is not None:
            gy = gy / _on_device(self.divisor, gy, xp)
        return _windows.window_scatter(gy, None, self.geo, xp, order),

    def backward(self, indexes, grad_outputs):
        return AveragePoolingND(self.geo, self.divisor).apply(grad_outputs)


def apply_average_pooling(node_class, label, nd, x, ksize, stride, pad, pad_value):
    """Shared body of ``average_pooling_2d`` and ``average_pooling_nd``."""
    geo = _windows.geometry(label, x.shape, nd, ksize, stride, pad, False)
    if pad_value is None:
        divisor = geo.counts()
    elif isinstance(pad_value, numbers.Number) and pad_value == 0:
        divisor = geo.size
    else:
        raise ValueError(f'{label}: pad_value must be 0 or None, got {pad_value!r}')
    return node_class(geo, divisor).apply((x,))[0]


def average_pooling_nd(x, ksize, stride=None, pad=0, pad_value=0):
    """N-dimensional spatial average pooling.

    Each output element is the mean of a window of the input ``(n, c, d_1, ..., d_N)``. As in
    Chainer, windows never extend past the padded input (no cover_all mode).

    Args:
        x: Variable or array of shape ``(n, c, d_1, ..., d_N)``, N >= 1.
        ksize (int or tuple of ints): Window size; ``k`` means ``(k, ..., k)``.
        stride (int or tuple of ints or None): Window step; None means ``ksize``.
        pad (int or tuple of ints): Padding on both sides of each spatial axis.
        pad_value (0 or None): With 0, padding counts as zeros and every window is divided by
            ``prod(ksize)`` (averages near the border are biased towards 0). With None, each
            window is divided by the number of real (unpadded) elements it covers.

    Example:
        >>> x = numpy.arange(6, dtype='f').reshape(1, 1, 6)
        >>> F.average_pooling_nd(x, 3).array
        array([[[1., 4.]]], dtype=float32)
    """
    return apply_average_pooling(AveragePoolingND, 'average_pooling_nd', None, x, ksize, stride,
                                 pad, pad_value)
