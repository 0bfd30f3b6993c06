"""Repeat each element of an array."""
import numpy

from dbr import backend
from dbr.function_node import FunctionNode
from dbr.functions.array._axis import normalize_axis


def _as_repeats(repeats):
    if isinstance(repeats, (int, numpy.integer)):
        repeats = (repeats,)
    try:
        repeats = tuple(repeats)
    except TypeError:
        repeats = None
    if not repeats or not all(isinstance(r, (int, numpy.integer)) and not isinstance(r, bool)
                              and r >= 0 for r in repeats):
        raise TypeError(f'repeat: repeats must be a non-negative int or a non-empty sequence '
                        f'of them, got {repeats!r}')
    return tuple([int(r) for r in repeats])


class Repeat(FunctionNode):
    """``numpy.repeat``; the gradient sums the copies of each element (:class:`RepeatGrad`)."""

    def __init__(self, repeats, axis=None):
        self.repeats = _as_repeats(repeats)
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        if self.axis is None:
            x = x.reshape(-1)
            axis = 0
        else:
            axis = normalize_axis(self.axis, x.ndim, self.label, x.shape)
        n = x.shape[axis]
        repeats = self.repeats
        if len(repeats) not in (1, n):
            raise ValueError(f'repeat: expected 1 or x.shape[{axis}]={n} repeats, got '
                             f'{len(repeats)} (repeats={list(repeats)})')
        self._axis = axis
        self._n = n
        xp = backend.get_array_module(x)
        return xp.repeat(x, repeats[0] if len(repeats) == 1 else list(repeats), axis=axis),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        gx, = RepeatGrad(self.repeats, self._axis, self._n).apply(grad_outputs)
        return reshape(gx, self._in_shape),


class RepeatGrad(FunctionNode):
    """Sums the consecutive copies made by :class:`Repeat` back into ``n`` elements."""

    def __init__(self, repeats, axis, n):
        self.repeats = repeats
        self.axis = axis
        self.n = n

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        axis = self.axis
        n = self.n
        shape = gy.shape
        if len(self.repeats) == 1:
            k = self.repeats[0]
            if k == 0:
                return xp.zeros(shape[:axis] + (n,) + shape[axis + 1:], gy.dtype),
            return gy.reshape(shape[:axis] + (n, k) + shape[axis + 1:]).sum(axis=axis + 1),
        owner = xp.asarray(numpy.repeat(numpy.arange(n), self.repeats))
        gx = xp.zeros((n,) + shape[:axis] + shape[axis + 1:], gy.dtype)
        # Element j of gy is a copy of element owner[j]; add.at sums the copies.
        xp.add.at(gx, owner, xp.moveaxis(gy, axis, 0))
        return xp.moveaxis(gx, 0, axis),

    def backward(self, indexes, grad_outputs):
        return Repeat(self.repeats, self.axis).apply(grad_outputs)


def repeat(x, repeats, axis=None):
    """Repeats each element of ``x``, like :func:`numpy.repeat`.

    Args:
        x: Variable or array.
        repeats (int or sequence of ints): How many times each element is repeated: one
            count for all, or one per element along ``axis``.
        axis (int): The axis along which to repeat; None repeats the elements of the
            flattened ``x`` and returns a 1-D array.

    Returns:
        Variable: The array with repeated elements.

    Example:
        >>> F.repeat(numpy.array([1., 2.], 'f'), (1, 3)).array
        array([1., 2., 2., 2.], dtype=float32)
    """
    return Repeat(repeats, axis).apply((x,))[0]
