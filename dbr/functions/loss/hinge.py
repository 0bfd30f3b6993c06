"""Multi-class hinge loss."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._simple_loss import check_label_range, check_reduce, total


class Hinge(FunctionNode):
    """``max(0, 1 + s * x) ** p`` with ``s = -1`` at the true class and ``+1`` elsewhere."""

    check_type_forward = type_check.expects(
        'x, t', "x.dtype.kind == 'f'", "t.dtype.kind in 'iu'", 'x.ndim == 2', 't.ndim == 1',
        'x.shape[0] == t.shape[0]')

    def __init__(self, norm, reduce):
        if norm not in ('L1', 'L2'):
            raise ValueError(f"hinge: norm must be 'L1' or 'L2', got {norm!r}")
        check_reduce('hinge', reduce, ('mean', 'no'))
        self.norm = norm
        self.reduce = reduce

    def forward(self, inputs):
        x, t = inputs
        xp = backend.get_array_module(x)
        n, k = x.shape
        check_label_range(self.label, t, 0, k - 1)
        sign = xp.where(xp.arange(k) == t[:, None], x.dtype.type(-1), x.dtype.type(1))
        margin = sign * x
        margin += x.dtype.type(1)
        active = margin > 0
        loss = margin * active
        # The gradient needs only the sign on the active entries (and x for L2).
        self._signed_active = sign * active
        if self.norm == 'L2':
            self.retain_inputs((0,))
            self._active = active.astype(x.dtype)
            loss *= loss
        if self.reduce == 'mean':
            return total(loss, max(n, 1)),
        return loss,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if self.reduce == 'mean':
            gy = gy * (1.0 / max(self._signed_active.shape[0], 1))
        if self.norm == 'L1':
            return gy * self._signed_active, None
        # d/dx (1 + s x)^2 = 2 s (1 + s x) = 2 (x + s) on the active entries (s * s = 1)
        x, = self.get_retained_inputs()
        return gy * (x * self._active + self._signed_active) * 2.0, None


def hinge(x, t, norm='L1', reduce='mean'):
    """Hinge loss of one-of-K classification scores.

    Each score contributes ``max(0, 1 - x[n, k])`` for the true class ``k == t[n]`` and
    ``max(0, 1 + x[n, k])`` for the others, squared for ``norm='L2'``.

    Args:
        x: Float Variable or array of scores, shape ``(N, K)``.
        t: Integer labels in ``[0, K)``, shape ``(N,)``.
        norm (str): ``'L1'`` or ``'L2'``.
        reduce (str): ``'mean'`` (sum divided by ``N``, a 0-d result) or ``'no'`` (shape
            ``(N, K)``).

    Example:
        >>> x = numpy.array([[2.0, -2.0], [0.5, 0.0]], 'f')
        >>> F.hinge(x, numpy.array([0, 1], 'i')).array
        array(1.25, dtype=float32)
    """
    return Hinge(norm, reduce).apply((x, t))[0]
