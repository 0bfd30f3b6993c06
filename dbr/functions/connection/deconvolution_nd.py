"""N-dimensional deconvolution (transposed convolution): a GEMM, then col2im."""
import math

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.connection import _im2col
from dbr.functions.connection.convolution_nd import ConvolutionND, ConvolutionNDGradW
from dbr.functions.math.sum import sum as sum_


class DeconvolutionND(FunctionNode):
    """Transpose of :class:`ConvolutionND`: ``x (N, C, *h)``, ``W (C, O / groups, *k)``.

    ``outsize`` is the output's spatial size, or None for the smallest one,
    ``stride * (h - 1) + (k - 1) * dilate + 1 - 2 * pad``. The backward is a convolution
    (for ``x``) and :class:`ConvolutionNDGradW` with its inputs swapped (for ``W``).
    """

    label = 'deconvolution_nd'

    check_type_forward = type_check.expects(
        'x, W, b=None', "x.dtype.kind == 'f'", 'W.dtype == x.dtype',
        'x.ndim == len(self.stride) + 2', 'W.ndim == x.ndim', 'x.shape[1] == W.shape[0]',
        'W.shape[0] % self.groups == 0', 'b is None or b.dtype == x.dtype',
        'b is None or b.ndim == 1', 'b is None or b.shape[0] == W.shape[1] * self.groups')

    def __init__(self, stride, pad, outsize, dilate, groups, label=None):
        self.stride = stride
        self.pad = pad
        self.outsize = None if outsize is None else tuple(outsize)
        self.dilate = dilate
        self.groups = groups
        if label is not None:
            self.label = label

    def _out_size(self, x_shape, w_shape):
        in_size = x_shape[2:]
        ksize = w_shape[2:]
        params = list(zip(ksize, self.stride, self.pad, self.dilate))
        if self.outsize is None:
            out = tuple(_im2col.get_deconv_outsize(h, k, s, p, False, d)
                        for h, (k, s, p, d) in zip(in_size, params))
            if min(out, default=1) <= 0:
                raise type_check.InvalidType(
                    'a positive output size stride * (h - 1) + (k - 1) * dilate + 1 - 2 * pad',
                    f'x.shape={tuple(x_shape)}, W.shape={tuple(w_shape)}, stride={self.stride}, '
                    f'pad={self.pad}, dilate={self.dilate}: output size {out}', self.label)
            return out
        out = self.outsize
        # A convolution of the output must give back the input size (with or without cover_all).
        if not all(o > 0 and _im2col.get_conv_outsize(o, k, s, p, False, d) <= h
                   <= _im2col.get_conv_outsize(o, k, s, p, True, d)
                   for o, h, (k, s, p, d) in zip(out, in_size, params)):
            raise type_check.InvalidType(
                'an outsize whose convolution gives the input size back',
                f'outsize={out}, x.shape={tuple(x_shape)}, W.shape={tuple(w_shape)}, '
                f'stride={self.stride}, pad={self.pad}, dilate={self.dilate}', self.label)
        return out

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        b = inputs[2] if len(inputs) == 3 else None
        in_size = x.shape[2:]
        ksize = W.shape[2:]
        out_size = self._out_size(x.shape, W.shape)
        self._cover_all = _im2col.cover_all_for(out_size, in_size, ksize, self.stride, self.pad,
                                                self.dilate)
        g = self.groups
        n, c = x.shape[:2]
        cout = W.shape[1] * g
        k = math.prod(W.shape[1:])
        p = math.prod(in_size)
        bl = _im2col.use_batch_last(x, cout, c, ksize, in_size, out_size, self.stride)
        matmul = backend.get_array_module(x).matmul
        if bl:
            # Rows ordered (offset, output channel) within each group: the offset-major
            # columns col2im adds block by block (W is small, so reordering it is cheap).
            kk = math.prod(ksize)
            W = W.reshape(g, c // g, cout // g, kk).transpose(0, 3, 2, 1)
            col = matmul(W.reshape(g, kk * (cout // g), c // g),
                         _im2col.to_batch_last(x).reshape(g, c // g, p * n))
            col = col.reshape((g,) + ksize + (cout // g,) + in_size + (n,))
        else:
            W = W.reshape(g, c // g, k).swapaxes(1, 2)
            col = matmul(W, x.reshape(n, g, c // g, p)).reshape((n, cout) + ksize + in_size)
        return _im2col.col2im(col, out_size, self.stride, self.pad, self.dilate, bl, b),

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        conv = ConvolutionND(self.stride, self.pad, self._cover_all, self.dilate, self.groups)
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(conv.apply((gy, W))[0])
            elif i == 1:
                # The windows of gy that the convolution above gathered serve here too.
                ret.append(ConvolutionNDGradW(W.shape[2:], self.stride, self.pad, self.dilate,
                                              self.groups, conv._col).apply((gy, x))[0])
            else:
                ret.append(sum_(gy, axis=(0,) + tuple(range(2, gy.ndim))))
        return tuple(ret)


def _deconvolution(x, W, b, stride, pad, outsize, dilate, groups, nd, label):
    if nd < 1:
        raise type_check.InvalidType('x.ndim >= 3 (batch, channel and spatial axes)',
                                     f'x.shape={tuple(x.shape)}', label)
    if outsize is not None:
        outsize = _im2col.as_tuple(outsize, nd, 'outsize', label, 1)
    node = DeconvolutionND(_im2col.as_tuple(stride, nd, 'stride', label, 1),
                           _im2col.as_tuple(pad, nd, 'pad', label, 0), outsize,
                           _im2col.as_tuple(dilate, nd, 'dilate', label, 1),
                           _im2col.as_groups(groups, label), label)
    return node.apply((x, W) if b is None else (x, W, b))[0]


def deconvolution_nd(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """N-dimensional deconvolution (transposed convolution), the adjoint of a convolution.

    Each input position scatters ``W`` times its value into the output; the output size along
    each axis is ``stride * (h - 1) + (k - 1) * dilate + 1 - 2 * pad`` unless ``outsize`` asks
    for one that a convolution with the same parameters would map back to ``h``.

    Args:
        x: Variable or array ``(N, C, h_1, ..., h_n)``.
        W: Weight ``(C, O / groups, k_1, ..., k_n)``.
        b: Optional bias ``(O,)``.
        stride, pad, dilate: An int or a tuple of ``n`` ints.
        outsize: Tuple of ``n`` output sizes, or None.
        groups (int): Split channels into this many independent groups.

    Returns:
        Variable ``(N, O, l_1, ..., l_n)``. On the CPU its array may be a transposed view
        laid out as ``(O, l_1, ..., l_n, N)`` in memory, which the next convolution reads
        without a copy.

    Example:
        >>> x = numpy.zeros((2, 3, 4, 4, 4), 'f'); W = numpy.ones((3, 5, 2, 2, 2), 'f')
        >>> F.deconvolution_nd(x, W, stride=2).shape
        (2, 5, 8, 8, 8)
    """
    return _deconvolution(x, W, b, stride, pad, outsize, dilate, groups, x.ndim - 2,
                          'deconvolution_nd')


def deconvolution_1d(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """1-dimensional deconvolution: :func:`deconvolution_nd` for ``x (N, C, L)``.

    Example:
        >>> F.deconvolution_1d(numpy.zeros((2, 3, 8), 'f'), numpy.ones((3, 4, 3), 'f')).shape
        (2, 4, 10)
    """
    return _deconvolution(x, W, b, stride, pad, outsize, dilate, groups, 1, 'deconvolution_1d')


def deconvolution_3d(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """3-dimensional deconvolution: :func:`deconvolution_nd` for ``x (N, C, D, H, W)``.

    Example:
        >>> x = numpy.zeros((1, 2, 2, 2, 2), 'f')
        >>> F.deconvolution_3d(x, numpy.ones((2, 3, 3, 3, 3), 'f')).shape
        (1, 3, 4, 4, 4)
    """
    return _deconvolution(x, W, b, stride, pad, outsize, dilate, groups, 3, 'deconvolution_3d')
