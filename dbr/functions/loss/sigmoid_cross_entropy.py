"""Sigmoid cross entropy: the binary classification loss of logits against 0/1 labels."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._classification import check_labels, check_reduce, mean_coeff

_LABEL = 'sigmoid_cross_entropy'
_IGNORE = -1


class SigmoidCrossEntropy(FunctionNode):
    """``softplus(x) - x * t`` elementwise (the negative log-likelihood), masked and reduced."""

    check_type_forward = type_check.expects(
        'x, t', "x.dtype.kind == 'f'", "t.dtype.kind == 'i'", 't.shape == x.shape')

    def __init__(self, normalize, reduce):
        self.normalize = normalize
        self.reduce = reduce

    def forward(self, inputs):
        x, t = inputs
        xp = backend.get_array_module(x)
        masked = check_labels(xp, t, 2, _IGNORE, _LABEL)
        self.retain_inputs((0,))
        tf = self._t = t.astype(x.dtype)
        # softplus(x) = max(x, 0) + log1p(exp(-|x|)) never overflows.
        loss = xp.log1p(xp.exp(-abs(x)))
        loss += xp.maximum(x, 0)
        loss -= x * tf
        mask = self._mask = (t != _IGNORE).astype(x.dtype) if masked else None
        if mask is not None:
            loss *= mask
        if self.reduce == 'no':
            self._coeff = None
            return loss,
        coeff = self._coeff = mean_coeff(xp, mask, self.normalize, x.size,
                                         x.shape[0] if x.ndim else 1, x.dtype)
        acc = numpy.float32 if x.dtype == numpy.float16 else None
        return xp.asarray(loss.sum(dtype=acc) * coeff, dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gx, = SigmoidCrossEntropyGrad(self._t, self._mask, self._coeff).apply(
            (x, grad_outputs[0]))
        return gx, None


class SigmoidCrossEntropyGrad(FunctionNode):
    """``(sigmoid(x) - t) * gy`` (times the mask and ``coeff``), with a composed backward."""

    def __init__(self, t, mask, coeff):
        self.t = t
        self.mask = mask
        self.coeff = coeff

    def _scale(self, gy):
        k = gy if self.coeff is None else gy * self.coeff
        return k if self.mask is None else k * self.mask

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        xp = backend.get_array_module(x)
        half = x.dtype.type(0.5)
        gx = xp.tanh(x * half)  # sigmoid(x) = tanh(x / 2) / 2 + 1 / 2, stable for any x
        gx *= half
        gx += half
        gx -= self.t
        gx *= self._scale(gy)
        return gx,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        from dbr.functions.math.sum import sum as sum_
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        y = sigmoid(x)
        ret = []
        if 0 in indexes:
            ret.append(ggx * self._scale(gy) * y * (1 - y))
        if 1 in indexes:
            r = ggx * (y - self.t)
            if self.mask is not None:
                r = r * self.mask
            if self.coeff is not None:
                r = sum_(r * self.coeff)
            ret.append(r)
        return tuple(ret)


def sigmoid_cross_entropy(x, t, normalize=True, reduce='mean'):
    """Cross entropy of ``sigmoid(x)`` against binary labels ``t`` (-1: ignored).

    Computed as ``softplus(x) - x * t``, stable for logits of any magnitude.

    Args:
        x: Variable or float array of logits, any shape ``(N, ...)``.
        t: Variable or signed integer array of the same shape holding 0, 1, or -1 (ignored).
        normalize (bool): With ``reduce='mean'``, divide the summed loss by the number of
            non-ignored labels (True) or by ``N`` (False).
        reduce (str): ``'mean'`` for a scalar, ``'no'`` for the elementwise losses (0 where
            ``t == -1``).

    Returns:
        Variable: A scalar, or an array shaped like ``x`` when ``reduce='no'``.

    Raises:
        ValueError: For a label other than 0, 1 and -1, or a bad ``reduce``.

    Example:
        >>> x = dbr.Variable(numpy.array([[0.], [0.]], 'f'))
        >>> F.sigmoid_cross_entropy(x, numpy.array([[1], [0]], 'i')).array
        array(0.6931472, dtype=float32)
    """
    check_reduce(reduce, ('mean', 'no'), _LABEL)
    return SigmoidCrossEntropy(normalize, reduce).apply((x, t))[0]
