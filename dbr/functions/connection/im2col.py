"""Extraction of convolution windows as channels (im2col), and its adjoint."""
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.connection import _im2col


class Im2Col(FunctionNode):
    """``(N, C, h, w)`` -> ``(N, C * kh * kw, out_h, out_w)``; its backward is :class:`Col2Im`."""

    label = 'im2col'

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'", 'x.ndim == 4')

    def __init__(self, ksize, stride, pad, cover_all, dilate):
        self.ksize = ksize
        self.stride = stride
        self.pad = pad
        self.cover_all = cover_all
        self.dilate = dilate

    def forward(self, inputs):
        x, = inputs
        n, c = x.shape[:2]
        self._in_size = x.shape[2:]
        out_size = _im2col.conv_out_size(self, x.shape, self.ksize, self.cover_all)
        col = _im2col.im2col(x, self.ksize, self.stride, self.pad, self.dilate, out_size, False)
        return col.reshape((n, c * self.ksize[0] * self.ksize[1]) + out_size),

    def backward(self, indexes, grad_outputs):
        return Col2Im(self.ksize, self.stride, self.pad, self.cover_all, self.dilate,
                      self._in_size).apply(grad_outputs)


class Col2Im(FunctionNode):
    """Sums the windows of an :class:`Im2Col` output back into the image (its adjoint)."""

    def __init__(self, ksize, stride, pad, cover_all, dilate, in_size):
        self.ksize = ksize
        self.stride = stride
        self.pad = pad
        self.cover_all = cover_all
        self.dilate = dilate
        self.in_size = in_size

    def forward(self, inputs):
        gy, = inputs
        n, ck = gy.shape[:2]
        kh, kw = self.ksize
        col = gy.reshape((n, ck // (kh * kw), kh, kw) + gy.shape[2:])
        return _im2col.col2im(col, self.in_size, self.stride, self.pad, self.dilate, False),

    def backward(self, indexes, grad_outputs):
        return Im2Col(self.ksize, self.stride, self.pad, self.cover_all,
                      self.dilate).apply(grad_outputs)


def im2col(x, ksize, stride=1, pad=0, cover_all=False, dilate=1):
    """Rearranges the convolution windows of each pixel into the channel axis.

    ``y[n, c * kh * kw + i * kw + j, oy, ox]`` is ``x[n, c, oy * sy + i * dy - ph,
    ox * sx + j * dx - pw]`` (zero in the padding), so a convolution is ``W.reshape(O, -1)``
    contracted with the channel axis of ``y``.

    Args:
        x: Variable or array ``(N, C, h, w)``.
        ksize, stride, pad, dilate: An int or a pair ``(y, x)``.
        cover_all (bool): Round output sizes up, so that every input pixel is covered.

    Returns:
        Variable ``(N, C * kh * kw, out_h, out_w)``.

    Example:
        >>> F.im2col(numpy.zeros((2, 3, 5, 5), 'f'), 3, pad=1).shape
        (2, 27, 5, 5)
    """
    label = Im2Col.label
    node = Im2Col(_im2col.as_tuple(ksize, 2, 'ksize', label, 1),
                  _im2col.as_tuple(stride, 2, 'stride', label, 1),
                  _im2col.as_tuple(pad, 2, 'pad', label, 0), (bool(cover_all),) * 2,
                  _im2col.as_tuple(dilate, 2, 'dilate', label, 1))
    return node.apply((x,))[0]
