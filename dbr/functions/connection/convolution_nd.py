"""N-dimensional convolution (im2col + one GEMM per group), and its weight gradient."""
import math

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.connection import _im2col
from dbr.functions.math.sum import sum as sum_


class ConvolutionND(FunctionNode):
    """Cross-correlation of ``x (N, C, *S)`` with ``W (O, C / groups, *k)``, plus ``b (O,)``.

    ``stride``, ``pad``, ``cover_all`` and ``dilate`` are tuples with one entry per spatial
    axis. The backward is a deconvolution (for ``x``) and :class:`ConvolutionNDGradW` (for
    ``W``), both differentiable again.
    """

    label = 'convolution_nd'
    _col = None

    check_type_forward = type_check.expects(
        'x, W, b=None', "x.dtype.kind == 'f'", 'W.dtype == x.dtype',
        'x.ndim == len(self.stride) + 2', 'W.ndim == x.ndim',
        'W.shape[0] % self.groups == 0', 'x.shape[1] == W.shape[1] * self.groups',
        'b is None or b.dtype == x.dtype', 'b is None or b.ndim == 1',
        'b is None or b.shape[0] == W.shape[0]')

    def __init__(self, stride, pad, cover_all, dilate, groups, label=None):
        self.stride = stride
        self.pad = pad
        self.cover_all = cover_all
        self.dilate = dilate
        self.groups = groups
        if label is not None:
            self.label = label

    # Depthwise convolution is a grouped one with a rearranged weight; these three hooks map
    # its weight (array and Variable) and the weight gradient between the two forms.
    def _weight(self, W):
        return W

    def _weight_var(self, W):
        return W

    def _weight_grad(self, gW, W):
        return gW

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W0 = inputs[:2]
        b = inputs[2] if len(inputs) == 3 else None
        W = self._weight(W0)
        ksize = W.shape[2:]
        out_size = _im2col.conv_out_size(self, x.shape, ksize, self.cover_all, W0.shape)
        g = self.groups
        o = W.shape[0]
        n = x.shape[0]
        k = math.prod(W.shape[1:])
        p = math.prod(out_size)
        bl = _im2col.use_batch_last(x, x.shape[1], o, ksize, out_size, x.shape[2:], self.stride)
        col = _im2col.im2col(x, ksize, self.stride, self.pad, self.dilate, out_size, bl)
        # Kept for the weight gradient, which would otherwise gather the same windows again.
        self._col = col, bl
        W = W.reshape(g, o // g, k)
        matmul = backend.get_array_module(x).matmul
        if bl:
            y = matmul(W, col.reshape(g, k, p * n)).reshape((o,) + out_size + (n,))
        else:
            y = matmul(W, col.reshape(n, g, k, p)).reshape((n, o) + out_size)
        return _im2col.finish(y, b, bl),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.connection.deconvolution_nd import DeconvolutionND
        x, W0 = self.get_retained_inputs()
        gy, = grad_outputs
        W = self._weight_var(W0)
        # Released here even when W needs no gradient: the columns are the largest buffer.
        col, self._col = self._col, None
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(DeconvolutionND(self.stride, self.pad, x.shape[2:], self.dilate,
                                           self.groups).apply((gy, W))[0])
            elif i == 1:
                gW = ConvolutionNDGradW(W.shape[2:], self.stride, self.pad, self.dilate,
                                        self.groups, col).apply((x, gy))[0]
                ret.append(self._weight_grad(gW, W0))
            else:
                ret.append(sum_(gy, axis=(0,) + tuple(range(2, gy.ndim))))
        return tuple(ret)


class ConvolutionNDGradW(FunctionNode):
    """Weight gradient of a convolution: ``gW[o, c, k] = sum over n, p of gy * windows of x``.

    The windows are gathered at ``gy``'s spatial size, so one node serves convolutions and
    (with the roles of its inputs swapped) deconvolutions. ``col`` passes windows of ``x``
    already gathered by a forward pass, as a pair ``(columns, batch_last)``.
    """

    _col = None

    def __init__(self, ksize, stride, pad, dilate, groups, col=None):
        self.ksize = tuple(ksize)
        self.stride = stride
        self.pad = pad
        self.dilate = dilate
        self.groups = groups
        self._col = col

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        out_size = gy.shape[2:]
        g = self.groups
        n, c = x.shape[:2]
        o = gy.shape[1]
        k = c // g * math.prod(self.ksize)
        p = math.prod(out_size)
        cached, self._col = self._col, None
        if cached is None:
            bl = _im2col.use_batch_last(x, c, o, self.ksize, out_size, x.shape[2:], self.stride)
            col = _im2col.im2col(x, self.ksize, self.stride, self.pad, self.dilate, out_size, bl)
        else:
            col, bl = cached
        matmul = backend.get_array_module(x).matmul
        if bl:
            gW = matmul(_im2col.to_batch_last(gy).reshape(g, o // g, p * n),
                        col.reshape(g, k, p * n).swapaxes(1, 2))
        else:
            gW = matmul(gy.reshape(n, g, o // g, p), col.reshape(n, g, k, p).swapaxes(2, 3))
            gW = gW.sum(axis=0)
        return gW.reshape((o, c // g) + self.ksize),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.connection.deconvolution_nd import DeconvolutionND
        x, gy = self.get_retained_inputs()
        ggW, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(DeconvolutionND(self.stride, self.pad, x.shape[2:], self.dilate,
                                           self.groups).apply((gy, ggW))[0])
            else:
                cover_all = _im2col.cover_all_for(x.shape[2:], gy.shape[2:], self.ksize,
                                                  self.stride, self.pad, self.dilate)
                ret.append(ConvolutionND(self.stride, self.pad, cover_all, self.dilate,
                                         self.groups).apply((x, ggW))[0])
        return tuple(ret)


def _convolution(x, W, b, stride, pad, cover_all, dilate, groups, nd, label):
    if nd < 1:
        raise type_check.InvalidType('x.ndim >= 3 (batch, channel and spatial axes)',
                                     f'x.shape={tuple(x.shape)}', label)
    node = ConvolutionND(_im2col.as_tuple(stride, nd, 'stride', label, 1),
                         _im2col.as_tuple(pad, nd, 'pad', label, 0), (bool(cover_all),) * nd,
                         _im2col.as_tuple(dilate, nd, 'dilate', label, 1),
                         _im2col.as_groups(groups, label), label)
    return node.apply((x, W) if b is None else (x, W, b))[0]


def convolution_nd(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """N-dimensional convolution (cross-correlation) of a batch of multi-channel inputs.

    Output size along each spatial axis is ``(size + 2 * pad - dk) // stride + 1`` with
    ``dk = (k - 1) * dilate + 1`` (``cover_all=True`` rounds up instead, so that every input
    position is covered).

    Args:
        x: Variable or array ``(N, C, d_1, ..., d_n)``.
        W: Weight ``(O, C / groups, k_1, ..., k_n)``.
        b: Optional bias ``(O,)``.
        stride, pad, dilate: An int or a tuple of ``n`` ints.
        cover_all (bool): Round output sizes up.
        groups (int): Split channels into this many independent groups.

    Returns:
        Variable ``(N, O, l_1, ..., l_n)``. On the CPU its array may be a transposed view
        laid out as ``(O, l_1, ..., l_n, N)`` in memory, which the next convolution reads
        without a copy.

    Example:
        >>> x = numpy.zeros((2, 3, 8, 8, 8), 'f'); W = numpy.ones((4, 3, 3, 3, 3), 'f')
        >>> F.convolution_nd(x, W, pad=1).shape
        (2, 4, 8, 8, 8)
    """
    return _convolution(x, W, b, stride, pad, cover_all, dilate, groups, x.ndim - 2,
                        'convolution_nd')


def convolution_1d(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """1-dimensional convolution: :func:`convolution_nd` for ``x (N, C, L)``.

    Example:
        >>> F.convolution_1d(numpy.zeros((2, 3, 10), 'f'), numpy.ones((4, 3, 3), 'f')).shape
        (2, 4, 8)
    """
    return _convolution(x, W, b, stride, pad, cover_all, dilate, groups, 1, 'convolution_1d')


def convolution_3d(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """3-dimensional convolution: :func:`convolution_nd` for ``x (N, C, D, H, W)``.

    Example:
        >>> x = numpy.zeros((1, 2, 4, 4, 4), 'f')
        >>> F.convolution_3d(x, numpy.ones((3, 2, 3, 3, 3), 'f')).shape
        (1, 3, 2, 2, 2)
    """
    return _convolution(x, W, b, stride, pad, cover_all, dilate, groups, 3, 'convolution_3d')
