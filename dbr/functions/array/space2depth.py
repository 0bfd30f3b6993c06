"""Space to depth: ``r x r`` pixel blocks become channel groups (the inverse of depth2space)."""
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array.depth2space import Depth2Space, check_factor


class Space2Depth(FunctionNode):
    """``(n, c, h*r, w*r) -> (n, r*r*c, h, w)``; the gradient is :class:`Depth2Space`."""

    label = 'space2depth'

    check_type_forward = type_check.expects(
        'x', "x.dtype.kind == 'f'", 'x.ndim == 4', 'x.shape[2] % self.r == 0',
        'x.shape[3] % self.r == 0')

    def __init__(self, r):
        self.r = r

    def forward(self, inputs):
        x, = inputs
        n, c, h, w = x.shape
        r = self.r
        y = x.reshape(n, c, h // r, r, w // r, r).transpose(0, 3, 5, 1, 2, 4)
        return y.reshape(n, r * r * c, h // r, w // r),

    def backward(self, indexes, grad_outputs):
        return Depth2Space(self.r).apply(grad_outputs)


def space2depth(X, r):
    """Rearranges ``r x r`` spatial blocks into channel groups (the inverse of
    :func:`depth2space`).

    Input pixel ``(h * r + i, w * r + j)`` of channel ``k`` becomes output channel
    ``(i * r + j) * c + k`` at ``(h, w)``: block position major, input channel minor.

    Args:
        X: Variable or array ``(n, c, h * r, w * r)`` of floats.
        r (int): Block size (downscaling factor); it must divide the height and width.

    Returns:
        Variable ``(n, r * r * c, h, w)``.

    Example:
        >>> x = numpy.arange(8, dtype='f').reshape(1, 1, 2, 4)
        >>> F.space2depth(x, 2).array[0, :, 0]
        array([[0., 2.],
               [1., 3.],
               [4., 6.],
               [5., 7.]], dtype=float32)
    """
    return Space2Depth(check_factor(r, 'space2depth')).apply((X,))[0]
