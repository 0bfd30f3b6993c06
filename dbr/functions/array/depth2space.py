"""Depth to space: channel groups become ``r x r`` pixel blocks (sub-pixel upscaling)."""
import numbers

from dbr import type_check
from dbr.function_node import FunctionNode


def check_factor(r, label):
    """``r`` as a positive int, the block size of depth2space/space2depth."""
    if isinstance(r, bool) or not isinstance(r, numbers.Integral) or r < 1:
        raise ValueError(f'{label}: r must be a positive int, got {r!r}')
    return int(r)


class Depth2Space(FunctionNode):
    """``(n, r*r*c, h, w) -> (n, c, h*r, w*r)``; the gradient is :class:`Space2Depth`."""

    label = 'depth2space'

    check_type_forward = type_check.expects(
        'x', "x.dtype.kind == 'f'", 'x.ndim == 4', 'x.shape[1] % (self.r * self.r) == 0')

    def __init__(self, r):
        self.r = r

    def forward(self, inputs):
        x, = inputs
        n, c, h, w = x.shape
        r = self.r
        # Input channel (i * r + j) * c + k becomes pixel (i, j) of block (h, w) in channel k.
        y = x.reshape(n, r, r, c // (r * r), h, w).transpose(0, 3, 4, 1, 5, 2)
        return y.reshape(n, c // (r * r), h * r, w * r),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.space2depth import Space2Depth
        return Space2Depth(self.r).apply(grad_outputs)


def depth2space(X, r):
    """Rearranges channel groups into ``r x r`` spatial blocks (sub-pixel convolution's
    shuffle).

    Output pixel ``(h * r + i, w * r + j)`` of channel ``k`` is input channel
    ``(i * r + j) * c + k`` at ``(h, w)``, where ``c`` is the number of output channels: the
    channels are taken as an ``(r, r, c)`` array, block position major. The inverse is
    :func:`space2depth`.

    Args:
        X: Variable or array ``(n, r * r * c, h, w)`` of floats.
        r (int): Block size (upscaling factor).

    Returns:
        Variable ``(n, c, h * r, w * r)``.

    Example:
        >>> x = numpy.arange(8, dtype='f').reshape(1, 4, 1, 2)
        >>> F.depth2space(x, 2).array
        array([[[[0., 2., 1., 3.],
                 [4., 6., 5., 7.]]]], dtype=float32)
    """
    return Depth2Space(check_factor(r, 'depth2space')).apply((X,))[0]
