"""Local response normalization across channels."""
import numpy

from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.normalization._standardize import upcast


def _window_sum(a, half):
    """Sum of ``a`` over channels ``c - half .. c + half`` (clipped), for every channel c."""
    out = a.copy()
    for i in range(1, half + 1):
        out[:, i:] += a[:, :-i]
        out[:, :-i] += a[:, i:]
    return out


class ChannelWindowSum(FunctionNode):
    """The windowed channel sum as a node; the window is symmetric, so it is self-adjoint."""

    def __init__(self, half):
        self.half = half

    def forward(self, inputs):
        return _window_sum(inputs[0], self.half),

    def backward(self, indexes, grad_outputs):
        return ChannelWindowSum(self.half).apply(grad_outputs)


class LocalResponseNormalization(FunctionNode):
    """``x / (k + alpha * window_sum(x ** 2)) ** beta`` over the channel axis 1."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'", 'x.ndim >= 2')

    def __init__(self, n, k, alpha, beta):
        self.half = n // 2
        self.k = k
        self.alpha = alpha
        self.beta = beta

    def forward(self, inputs):
        self.retain_inputs((0,))
        dtype = inputs[0].dtype
        x, = upcast(*inputs)
        u = _window_sum(x * x, self.half)
        u *= self.alpha
        u += self.k
        y = x * u ** -self.beta
        return (y if y.dtype == dtype else y.astype(dtype)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        window = ChannelWindowSum(self.half)
        u = window.apply((x * x,))[0] * self.alpha + self.k
        scale = u ** -self.beta
        # y_c = x_c * u_c**-beta and u_c depends on x_d for d in c's window; summing the
        # chain rule over the (symmetric) window is another window sum.
        back = ChannelWindowSum(self.half).apply((gy * x * scale / u,))[0]
        return gy * scale - x * back * (2 * self.alpha * self.beta),


def local_response_normalization(x, n=5, k=2, alpha=1e-4, beta=.75):
    """Local response normalization across channels (axis 1).

    ``y_c = x_c / (k + alpha * sum_{d=c-n//2}^{c+n//2} x_d ** 2) ** beta``, where the sum
    is clipped to the existing channels (so an even ``n`` uses a window of ``n + 1``, as in
    Chainer). Computed in float32 for float16 inputs.

    Args:
        x: Variable or array of shape ``(N, C, ...)``.
        n (int): Window width.
        k (float): Additive constant.
        alpha (float): Scale of the sum of squares.
        beta (float): Exponent.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> x = numpy.random.randn(2, 7, 3, 3).astype('f')
        >>> F.local_response_normalization(x).shape
        (2, 7, 3, 3)
    """
    if not isinstance(n, (int, numpy.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f'local_response_normalization: n must be a positive integer, '
                         f'got {n!r}')
    return LocalResponseNormalization(int(n), k, alpha, beta).apply((x,))[0]
