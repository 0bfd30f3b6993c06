"""Depthwise two-dimensional convolution: each input channel convolved on its own."""
from dbr import type_check
from dbr.functions.array.reshape import reshape
from dbr.functions.array.transpose import transpose
from dbr.functions.connection import _im2col
from dbr.functions.connection.convolution_nd import ConvolutionND


class DepthwiseConvolution2D(ConvolutionND):
    """``W (D, C, kh, kw)`` gives ``D`` outputs per input channel; output channel ``c * D + d``.

    It is the convolution with ``groups=C`` and the weight rearranged to ``(C * D, 1, kh, kw)``.
    """

    label = 'depthwise_convolution_2d'

    check_type_forward = type_check.expects(
        'x, W, b=None', "x.dtype.kind == 'f'", 'W.dtype == x.dtype', 'x.ndim == 4',
        'W.ndim == 4', 'x.shape[1] == W.shape[1]', 'b is None or b.dtype == x.dtype',
        'b is None or b.ndim == 1', 'b is None or b.shape[0] == W.shape[0] * W.shape[1]')

    def __init__(self, stride, pad):
        # groups (the number of input channels) is only known in forward, from W.
        super().__init__(stride, pad, (False, False), (1, 1), None)

    def _weight(self, W):
        d, c = W.shape[:2]
        self.groups = c
        return W.transpose(1, 0, 2, 3).reshape((c * d, 1) + W.shape[2:])

    def _weight_var(self, W):
        d, c = W.shape[:2]
        return reshape(transpose(W, (1, 0, 2, 3)), (c * d, 1) + W.shape[2:])

    def _weight_grad(self, gW, W):
        d, c = W.shape[:2]
        return transpose(reshape(gW, (c, d) + W.shape[2:]), (1, 0, 2, 3))


def depthwise_convolution_2d(x, W, b=None, stride=1, pad=0):
    """Depthwise convolution: each input channel is convolved with its own ``D`` filters.

    Args:
        x: Variable or array ``(N, C, h, w)``.
        W: Weight ``(D, C, kh, kw)``; ``D`` is the channel multiplier.
        b: Optional bias ``(D * C,)``.
        stride, pad: An int or a pair ``(y, x)``.

    Returns:
        Variable ``(N, C * D, out_h, out_w)``; channel ``c * D + d`` is input channel ``c``
        convolved with ``W[d, c]``.

    Example:
        >>> x = numpy.zeros((2, 3, 8, 8), 'f'); W = numpy.ones((2, 3, 3, 3), 'f')
        >>> F.depthwise_convolution_2d(x, W, pad=1).shape
        (2, 6, 8, 8)
    """
    label = DepthwiseConvolution2D.label
    node = DepthwiseConvolution2D(_im2col.as_tuple(stride, 2, 'stride', label, 1),
                                  _im2col.as_tuple(pad, 2, 'pad', label, 0))
    return node.apply((x, W) if b is None else (x, W, b))[0]
