"""Huber loss."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._simple_loss import check_reduce


class HuberLoss(FunctionNode):
    """``d**2 / 2`` for ``|d| <= delta``, else ``delta * (|d| - delta / 2)``, with ``d = x - t``."""

    check_type_forward = type_check.expects(
        'x, t', "x.dtype.kind == 'f'", 'x.dtype == t.dtype', 'x.shape == t.shape',
        "self.reduce == 'no' or x.ndim >= 2")

    def __init__(self, delta, reduce):
        check_reduce('huber_loss', reduce, ('sum_along_second_axis', 'no'))
        if not delta > 0:
            raise ValueError(f'huber_loss: delta must be positive, got {delta!r}')
        self.delta = delta
        self.reduce = reduce

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, t = inputs
        xp = backend.get_array_module(x)
        delta = x.dtype.type(self.delta)
        half = x.dtype.type(0.5)
        diff = x - t
        a = abs(diff)
        loss = xp.where(a <= delta, diff * diff * half, (a - delta * half) * delta)
        if self.reduce == 'sum_along_second_axis':
            loss = loss.sum(axis=1)
        return loss,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        x, t = self.get_retained_inputs()
        gy, = grad_outputs
        d = x.array - t.array
        xp = backend.get_array_module(d)
        delta = d.dtype.type(self.delta)
        inside = abs(d) <= delta
        # The gradient is clip(d, -delta, delta): d inside the band, a constant outside.
        clipped = (x - t) * inside.astype(d.dtype) + xp.where(inside, 0, xp.sign(d) * delta)
        if self.reduce == 'sum_along_second_axis':
            gy = reshape(gy, gy.shape[:1] + (1,) + gy.shape[1:])
        gx = gy * clipped
        return tuple(gx if i == 0 else -gx for i in indexes)


def huber_loss(x, t, delta, reduce='sum_along_second_axis'):
    """Huber loss of ``x`` against ``t``: quadratic for small errors, linear for large ones.

    With ``d = x - t`` each element contributes ``d**2 / 2`` when ``|d| <= delta`` and
    ``delta * (|d| - delta / 2)`` otherwise.

    Args:
        x: Float Variable or array, shape ``(N, K, ...)``.
        t: Target of the same shape and dtype.
        delta (float): Positive threshold between the quadratic and linear parts.
        reduce (str): ``'sum_along_second_axis'`` (sum over axis 1) or ``'no'`` (elementwise).

    Returns:
        Variable of shape ``x.shape`` without axis 1, or ``x.shape`` for ``reduce='no'``.

    Example:
        >>> x = numpy.array([[0.5, 3.0]], 'f')
        >>> F.huber_loss(x, numpy.zeros_like(x), delta=1.0).array
        array([2.625], dtype=float32)
    """
    return HuberLoss(delta, reduce).apply((x, t))[0]
