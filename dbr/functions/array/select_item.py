"""Pick one element per row."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.configuration import config
from dbr.function_node import FunctionNode


def _check_range(label, t, n):
    """Raises ValueError for labels outside [0, n); on a GPU only in debug mode (it syncs)."""
    if t.size and (backend.get_array_module(t) is numpy or config.debug):
        lo, hi = int(t.min()), int(t.max())
        if lo < 0 or hi >= n:
            raise ValueError(f'{label}: t must be in [0, {n}) (x.shape[1]), got values in '
                             f'[{lo}, {hi}]')


class SelectItem(FunctionNode):
    """``y[i] = x[i, t[i]]``; the gradient scatters into zeros (:class:`SelectItemGrad`)."""

    check_type_forward = type_check.expects(
        'x, t', 'x.ndim == 2', 't.ndim == 1', "t.dtype.kind in 'iu'", 'x.shape[0] == t.shape[0]')

    def forward(self, inputs):
        x, t = inputs
        _check_range(self.label, t, x.shape[1])
        self.retain_inputs((1,))
        self._in_shape = x.shape
        xp = backend.get_array_module(x)
        return x[xp.arange(t.shape[0]), t],

    def backward(self, indexes, grad_outputs):
        if 0 not in indexes:
            return (None,) * len(indexes)
        t, = self.get_retained_inputs()
        gx, = SelectItemGrad(self._in_shape).apply((grad_outputs[0], t))
        return (gx,) + (None,) * (len(indexes) - 1)


class SelectItemGrad(FunctionNode):
    """Zeros of ``shape`` with ``gy[i]`` at ``[i, t[i]]``; its gradient is a select_item."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, inputs):
        gy, t = inputs
        self.retain_inputs((1,))
        xp = backend.get_array_module(gy)
        gx = xp.zeros(self.shape, gy.dtype)
        gx[xp.arange(t.shape[0]), t] = gy
        return gx,

    def backward(self, indexes, grad_outputs):
        t, = self.get_retained_inputs()
        return SelectItem().apply((grad_outputs[0], t))[0], None


def select_item(x, t):
    """Selects one element from each row of ``x``: ``y[i] = x[i, t[i]]``.

    Args:
        x: Variable or array of shape ``(B, N)``.
        t: Variable or integer array of shape ``(B,)`` with values in ``[0, N)`` (checked on
            the CPU; on a GPU only when ``dbr.config.debug`` is on, as the check would
            synchronize).

    Returns:
        Variable: Array of shape ``(B,)``.

    Example:
        >>> x = numpy.array([[0., 1., 2.], [3., 4., 5.]], 'f')
        >>> F.select_item(x, numpy.array([2, 0])).array
        array([2., 3.], dtype=float32)
    """
    return SelectItem().apply((x, t))[0]
