"""Contrastive loss of pairs of embeddings."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._simple_loss import check_label_range, check_reduce, total


class Contrastive(FunctionNode):
    """``(y d**2 + (1 - y) max(margin - d, 0)**2) / 2`` per pair, ``d = ||x0 - x1||``."""

    check_type_forward = type_check.expects(
        'x0, x1, y', "x0.dtype.kind == 'f'", 'x0.dtype == x1.dtype', "y.dtype.kind in 'iu'",
        'x0.ndim == 2', 'y.ndim == 1', 'x0.shape == x1.shape', 'x0.shape[0] == y.shape[0]',
        'x0.shape[0] > 0')

    def __init__(self, margin, reduce):
        if not margin > 0:
            raise ValueError(f'contrastive: margin must be positive, got {margin!r}')
        check_reduce('contrastive', reduce, ('mean', 'no'))
        self.margin = margin
        self.reduce = reduce

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1, y = inputs
        xp = backend.get_array_module(x0)
        check_label_range(self.label, y, 0, 1, 'y')
        dtype = x0.dtype
        diff = x0 - x1
        dist_sq = (diff * diff).sum(axis=1)
        dist = xp.sqrt(dist_sq)
        similar = y.astype(dtype)
        # dissimilar pairs closer than the margin: the only ones the hinge term acts on
        pushed = (1 - similar) * (dist < self.margin)
        gap = (dtype.type(self.margin) - dist) * pushed
        self._state = (similar, pushed, dist_sq == 0)
        loss = (similar * dist_sq + gap * gap) * dtype.type(0.5)
        if self.reduce == 'mean':
            return total(loss, x0.shape[0]),
        return loss,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum import sum as sum_
        x0, x1 = self.get_retained_inputs()
        gy, = grad_outputs
        similar, pushed, zero = self._state
        n = similar.shape[0]
        if self.reduce == 'mean':
            gy = gy * (1.0 / n)
        diff = x0 - x1
        # dL/d diff = coef * diff with coef = y + pushed * (1 - margin / d); a zero distance
        # (diff == 0, so any finite 1/d gives 0) is replaced by 1 to avoid dividing by it.
        inv_dist = (sum_(diff * diff, axis=1) + zero.astype(similar.dtype)) ** -0.5
        coef = (similar + pushed) - inv_dist * (pushed * similar.dtype.type(self.margin))
        gx0 = reshape(gy * coef, (n, 1)) * diff
        return tuple(gx0 if i == 0 else -gx0 for i in indexes)


def contrastive(x0, x1, y, margin=1, reduce='mean'):
    """Contrastive loss: pulls similar pairs together, pushes dissimilar ones past a margin.

    With ``d = ||x0[n] - x1[n]||``, pair ``n`` contributes
    ``(y[n] * d**2 + (1 - y[n]) * max(margin - d, 0)**2) / 2``.

    Args:
        x0, x1: Float Variables or arrays of shape ``(N, K)``.
        y: Integer labels of shape ``(N,)``: 1 for a similar pair, 0 for a dissimilar one.
        margin (float): Positive margin.
        reduce (str): ``'mean'`` (mean over pairs, a 0-d result) or ``'no'`` (shape ``(N,)``).

    Example:
        >>> x0 = numpy.array([[0., 0.], [0., 0.]], 'f')
        >>> x1 = numpy.array([[3., 4.], [0.5, 0.]], 'f')
        >>> F.contrastive(x0, x1, numpy.array([1, 0], 'i'), reduce='no').array
        array([12.5  ,  0.125], dtype=float32)
    """
    return Contrastive(margin, reduce).apply((x0, x1, y))[0]
