"""Two-dimensional locally connected layer: a convolution whose weights differ per position."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.connection import _im2col


class LocalConvolution2D(FunctionNode):
    """``y[n, o, i, j] = sum over c, a, b of W[o, i, j, c, a, b] * x[n, c, i*sy + a, j*sx + b]
    + b[o, i, j]``: one GEMM per output position, batched over positions.

    The backward is made of :func:`im2col` / its adjoint, :func:`matmul` and reshapes, so it
    is differentiable again.
    """

    label = 'local_convolution_2d'

    check_type_forward = type_check.expects(
        'x, W, b=None', "x.dtype.kind == 'f'", 'W.dtype == x.dtype', 'x.ndim == 4',
        'W.ndim == 6', 'x.shape[1] == W.shape[3]',
        'x.shape[2] >= W.shape[4] and x.shape[3] >= W.shape[5]',
        'W.shape[1] == (x.shape[2] - W.shape[4]) // self.stride[0] + 1',
        'W.shape[2] == (x.shape[3] - W.shape[5]) // self.stride[1] + 1',
        'b is None or b.dtype == x.dtype', 'b is None or b.shape == W.shape[:3]')

    def __init__(self, stride):
        self.stride = stride

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        xp = backend.get_array_module(x)
        n, c = x.shape[:2]
        o, oh, ow = W.shape[:3]
        k = c * W.shape[4] * W.shape[5]
        col = _im2col.im2col(x, W.shape[4:], self.stride, (0, 0), (1, 1), (oh, ow), False)
        # (positions, n, k) @ (positions, k, o): each position with its own weights.
        y = xp.matmul(col.reshape(n, k, oh * ow).transpose(2, 0, 1),
                      W.reshape(o, oh * ow, k).transpose(1, 2, 0))
        y = y.transpose(1, 2, 0).reshape(n, o, oh, ow)
        if len(inputs) == 3:
            y = y + inputs[2]
        return xp.ascontiguousarray(y),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.array.transpose import transpose
        from dbr.functions.connection.im2col import Col2Im, im2col
        from dbr.functions.math.matmul import matmul
        from dbr.functions.math.sum import sum as sum_
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        n, c, h, w = x.shape
        o, oh, ow, _, kh, kw = W.shape
        k = c * kh * kw
        gy_p = transpose(reshape(gy, (n, o, oh * ow)), (2, 0, 1))  # (positions, n, o)
        W_p = transpose(reshape(W, (o, oh * ow, k)), (1, 0, 2))  # (positions, o, k)
        ret = []
        for i in indexes:
            if i == 0:
                gcol = reshape(transpose(matmul(gy_p, W_p), (1, 2, 0)), (n, k, oh, ow))
                ret.append(Col2Im((kh, kw), self.stride, (0, 0), (False, False), (1, 1),
                                  (h, w)).apply((gcol,))[0])
            elif i == 1:
                col = im2col(x, (kh, kw), self.stride)
                col_p = transpose(reshape(col, (n, k, oh * ow)), (2, 0, 1))  # (positions, n, k)
                gW = matmul(gy_p, col_p, transa=True)  # (positions, o, k)
                ret.append(reshape(transpose(gW, (1, 0, 2)), W.shape))
            else:
                ret.append(sum_(gy, axis=0))
        return tuple(ret)


def local_convolution_2d(x, W, b=None, stride=1):
    """Two-dimensional locally connected (unshared) convolution.

    Like :func:`convolution_2d` without padding, except that every output position
    ``(i, j)`` has its own filters ``W[:, i, j]``:
    ``y[n, o, i, j] = sum over c, a, b of W[o, i, j, c, a, b] * x[n, c, i*sy + a, j*sx + b]``,
    plus ``b[o, i, j]``.

    Args:
        x: Variable or array ``(n, c_I, h, w)`` of floats.
        W: Weight ``(c_O, h_O, w_O, c_I, k_H, k_W)`` with ``h_O = (h - k_H) // sy + 1`` and
            ``w_O = (w - k_W) // sx + 1``.
        b: Optional bias ``(c_O, h_O, w_O)``.
        stride (int or pair of ints): ``(sy, sx)``.

    Returns:
        Variable ``(n, c_O, h_O, w_O)``.

    Example:
        >>> x = numpy.ones((2, 3, 7, 7), 'f'); W = numpy.ones((2, 5, 5, 3, 3, 3), 'f')
        >>> F.local_convolution_2d(x, W, numpy.zeros((2, 5, 5), 'f')).shape
        (2, 2, 5, 5)
    """
    label = LocalConvolution2D.label
    node = LocalConvolution2D(_im2col.as_tuple(stride, 2, 'stride', label, 1))
    return node.apply((x, W) if b is None else (x, W, b))[0]
