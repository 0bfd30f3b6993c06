"""Simplified dropconnect: a linear layer whose weights are randomly dropped."""
import math

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.noise._random import draw
from dbr.variable import Variable

_check_basic = type_check.expects(
    'x, W, b=None', "x.dtype.kind == 'f'", 'W.dtype == x.dtype', 'x.ndim >= 2', 'W.ndim == 2',
    'b is None or b.dtype == x.dtype', 'b is None or b.shape == W.shape[:1]')


class SimplifiedDropconnect(FunctionNode):
    """``y[i] = (W * mask[i] / (1 - ratio)) x[i] + b`` with a boolean ``mask``.

    ``mask`` is ``(n, M, N)`` (one weight mask per example, ``batchwise``) or ``(M, N)`` (one
    for the batch); None means no dropping at all. It is a constant: only ``x``, ``W`` and
    ``b`` receive gradients, computed with dbr functions (differentiable to any order).
    """

    def __init__(self, ratio, mask, batchwise):
        self.ratio = ratio
        self.mask = mask
        self.batchwise = batchwise

    def check_type_forward(self, in_types):
        _check_basic(self, in_types)
        x, W = in_types[:2]
        if math.prod(x.shape[1:]) != W.shape[1]:
            raise type_check.InvalidType(
                'the features of x (its axes after the first, flattened) to number W.shape[1]',
                f'x.shape={x.shape}, W.shape={W.shape}', self.label)
        mask = self.mask
        if mask is not None:
            want = (x.shape[0],) + W.shape if self.batchwise else W.shape
            if mask.shape != want:
                raise type_check.InvalidType(
                    'mask.shape == (x.shape[0],) + W.shape or W.shape',
                    f'mask.shape={mask.shape}, x.shape={x.shape}, W.shape={W.shape}',
                    self.label)

    def _scaled_mask(self, dtype):
        return self.mask.astype(dtype) * dtype.type(1.0 / (1.0 - self.ratio))

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        xp = backend.get_array_module(x)
        x2 = x.reshape(x.shape[0], W.shape[1])
        if self.mask is None and self.ratio > 0:
            shape = (x.shape[0],) + W.shape if self.batchwise else W.shape
            self.mask = draw(xp, 'random_sample', shape) >= self.ratio
        if self.mask is None:
            y = x2 @ W.T
        elif self.mask.ndim == 3:
            y = xp.matmul(W * self._scaled_mask(W.dtype), x2[:, :, None])[:, :, 0]
        else:
            y = x2 @ (W * self._scaled_mask(W.dtype)).T
        if len(inputs) == 3:
            y += inputs[2]
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.expand_dims import expand_dims
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.matmul import matmul
        from dbr.functions.math.sum import sum as sum_
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        n = x.shape[0]
        x2 = reshape(x, (n, W.shape[1]))
        mask = None if self.mask is None else self._scaled_mask(W.dtype)
        batchwise = mask is not None and mask.ndim == 3
        ret = []
        for i in indexes:
            if i == 0:
                Wm = W if mask is None else W * mask
                gx = matmul(expand_dims(gy, 1), Wm) if batchwise else matmul(gy, Wm)
                ret.append(reshape(gx, x.shape))
            elif i == 1:
                if batchwise:
                    # sum_i gy[i, j] x[i, k] mask[i, j, k]: no matrix product form
                    gW = sum_(expand_dims(gy, 2) * expand_dims(x2, 1) * mask, axis=0)
                else:
                    gW = matmul(gy, x2, transa=True)
                    if mask is not None:
                        gW = gW * mask
                ret.append(gW)
            else:
                ret.append(sum_(gy, axis=0))
        return tuple(ret)


def simplified_dropconnect(x, W, b=None, ratio=.5, train=True, mask=None,
                           use_batchwise_mask=True):
    """Linear function ``y = x W^T + b`` whose weights are randomly dropped (dropconnect).

    Each weight is dropped with probability ``ratio`` and the kept ones are scaled by
    ``1 / (1 - ratio)``. With ``use_batchwise_mask`` every example of the batch draws its own
    ``(M, N)`` mask; otherwise one mask serves the whole batch. With ``train=False`` nothing is
    dropped (the ratio is taken as 0) and the function is :func:`linear`. Note that, unlike
    :func:`dropout`, this function reads its ``train`` argument, not ``dbr.config.train``.

    This is the simplified form of the paper's method: the masked layer is applied directly,
    with no Gaussian moment matching at inference.

    Args:
        x: Float Variable or array ``(n, ...)``; the axes after the first are flattened into
            ``N`` features.
        W: Weight ``(M, N)``.
        b: Optional bias ``(M,)``.
        ratio (float): Drop probability, ``0 <= ratio < 1``.
        train (bool): Drop weights (True) or act as a linear function (False).
        mask: None to draw a mask, or a boolean (or 0/1) array or Variable of shape
            ``(n, M, N)`` or ``(M, N)`` used instead (its shape, not ``use_batchwise_mask``,
            then says whether it is per example). Kept weights are still scaled by
            ``1 / (1 - ratio)``.
        use_batchwise_mask (bool): Draw one mask per example instead of one per batch.

    Returns:
        Variable ``(n, M)``.

    Example:
        >>> x = numpy.ones((2, 3), 'f')
        >>> W = numpy.ones((4, 3), 'f')
        >>> F.simplified_dropconnect(x, W, ratio=0.5).shape
        (2, 4)
        >>> F.simplified_dropconnect(x, W, train=False).array
        array([[3., 3., 3., 3.],
               [3., 3., 3., 3.]], dtype=float32)
    """
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f'simplified_dropconnect: ratio must be in [0, 1), got {ratio!r}')
    if not train:
        ratio = 0.0
    batchwise = use_batchwise_mask
    if mask is not None:
        mask = mask.array if isinstance(mask, Variable) else mask
        if mask.ndim not in (2, 3):
            raise ValueError(f'simplified_dropconnect: mask must be (n, M, N) or (M, N), got '
                             f'shape {mask.shape}')
        batchwise = mask.ndim == 3
    node = SimplifiedDropconnect(ratio, mask, batchwise)
    return node.apply((x, W) if b is None else (x, W, b))[0]
