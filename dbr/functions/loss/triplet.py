"""Triplet loss of (anchor, positive, negative) embeddings."""
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._simple_loss import check_reduce, total


class Triplet(FunctionNode):
    """``max(||a - p||**2 - ||a - n||**2 + margin, 0)`` per sample."""

    check_type_forward = type_check.expects(
        'anchor, positive, negative', "anchor.dtype.kind == 'f'",
        'anchor.dtype == positive.dtype', 'anchor.dtype == negative.dtype', 'anchor.ndim == 2',
        'anchor.shape == positive.shape', 'anchor.shape == negative.shape',
        'anchor.shape[0] > 0')

    def __init__(self, margin, reduce):
        if not margin > 0:
            raise ValueError(f'triplet: margin must be positive, got {margin!r}')
        check_reduce('triplet', reduce, ('mean', 'no'))
        self.margin = margin
        self.reduce = reduce

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2))
        a, p, n = inputs
        dp = a - p
        dn = a - n
        dist = (dp * dp - dn * dn).sum(axis=1)
        dist += a.dtype.type(self.margin)
        active = dist > 0
        self._active = active.astype(a.dtype)
        loss = dist * self._active
        if self.reduce == 'mean':
            return total(loss, a.shape[0]),
        return loss,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        a, p, n = self.get_retained_inputs()
        gy, = grad_outputs
        b = a.shape[0]
        if self.reduce == 'mean':
            gy = gy * (1.0 / b)
        g = reshape(gy * (self._active * self._active.dtype.type(2)), (b, 1))
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(g * (n - p))
            elif i == 1:
                ret.append(g * (p - a))
            else:
                ret.append(g * (a - n))
        return tuple(ret)


def triplet(anchor, positive, negative, margin=0.2, reduce='mean'):
    """Triplet loss: the anchor should be closer to the positive than to the negative.

    Sample ``i`` contributes
    ``max(||anchor[i] - positive[i]||**2 - ||anchor[i] - negative[i]||**2 + margin, 0)``.

    Args:
        anchor, positive, negative: Float Variables or arrays of shape ``(N, K)``.
        margin (float): Positive margin.
        reduce (str): ``'mean'`` (a 0-d result) or ``'no'`` (shape ``(N,)``).

    Example:
        >>> a = numpy.zeros((1, 2), 'f')
        >>> F.triplet(a, a + 1, a + 2, margin=0.5).array
        array(0., dtype=float32)
    """
    return Triplet(margin, reduce).apply((anchor, positive, negative))[0]
