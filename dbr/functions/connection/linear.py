"""Fully connected layer: ``x @ W.T + b``."""
import math

from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array.reshape import reshape
from dbr.functions.math.matmul import matmul
from dbr.functions.math.sum import sum as sum_


class LinearFunction(FunctionNode):
    """``x (N, I) @ W (O, I).T + b (O,)`` as one BLAS call (``W.T`` is a view, not a copy)."""

    label = 'linear'

    check_type_forward = type_check.expects(
        'x, W, b=None', "x.dtype.kind == 'f'", 'W.dtype == x.dtype', 'x.ndim == 2',
        'W.ndim == 2', 'x.shape[1] == W.shape[1]', 'b is None or b.dtype == x.dtype',
        'b is None or b.ndim == 1', 'b is None or b.shape[0] == W.shape[0]')

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        y = inputs[0] @ inputs[1].T
        if len(inputs) == 3:
            y += inputs[2]
        return y,

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(matmul(gy, W))
            elif i == 1:
                ret.append(matmul(gy, x, transa=True))
            else:
                ret.append(sum_(gy, axis=0))
        return tuple(ret)


def linear(x, W, b=None, n_batch_axes=1):
    """Linear (fully connected) function, ``y = x W^T + b``.

    Axes of ``x`` after the first ``n_batch_axes`` are flattened into one feature axis.

    Args:
        x: Variable or array ``(s_1, ..., s_B, ...)`` with ``B = n_batch_axes``.
        W: Weight ``(O, I)``, ``I`` the product of the feature axes of ``x``.
        b: Optional bias ``(O,)``.
        n_batch_axes (int): Number of leading batch axes of ``x`` kept in the output.

    Returns:
        Variable ``(s_1, ..., s_B, O)``.

    Example:
        >>> x = numpy.ones((2, 3), 'f'); W = numpy.ones((4, 3), 'f')
        >>> F.linear(x, W, numpy.zeros(4, 'f')).array
        array([[3., 3., 3., 3.],
               [3., 3., 3., 3.]], dtype=float32)
    """
    if isinstance(n_batch_axes, bool) or not isinstance(n_batch_axes, int) or n_batch_axes < 1:
        raise ValueError(f'linear: n_batch_axes must be a positive int, got {n_batch_axes!r}')
    if x.ndim > 2 or n_batch_axes > 1:
        if x.ndim < n_batch_axes:
            raise type_check.InvalidType('x.ndim >= n_batch_axes',
                                         f'x.shape={tuple(x.shape)}, n_batch_axes={n_batch_axes}',
                                         'linear')
        batch_shape = tuple(x.shape[:n_batch_axes])
        x = reshape(x, (math.prod(batch_shape), math.prod(x.shape[n_batch_axes:])))
    y, = LinearFunction().apply((x, W) if b is None else (x, W, b))
    if n_batch_axes > 1:
        y = reshape(y, batch_shape + (y.shape[1],))
    return y
