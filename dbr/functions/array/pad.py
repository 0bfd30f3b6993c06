"""Pad an array with a constant."""
import numpy

from dbr import backend
from dbr.function_node import FunctionNode


def _pad_width(pad_width, ndim):
    """``pad_width`` in NumPy's forms as ((before, after),) * ndim of non-negative ints."""
    try:
        width = numpy.asarray(pad_width)
        ok = width.dtype.kind in 'iu' or width.size == 0
        width = numpy.broadcast_to(width, (ndim, 2)) if ok else None
    except ValueError:
        width = None
    if width is None or (width.size and width.min() < 0):
        raise ValueError(f'pad: pad_width must be non-negative ints broadcastable to '
                         f'(ndim, 2) = ({ndim}, 2), got {pad_width!r}')
    return tuple([(int(b), int(a)) for b, a in width])


class Pad(FunctionNode):
    """Pads ``x`` with constants; the gradient is the un-padded window of ``gy``."""

    def __init__(self, pad_width, constant_values=0):
        self.pad_width = pad_width
        self.constant_values = constant_values

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        width = _pad_width(self.pad_width, x.ndim)
        self._window = tuple([slice(b, b + s) for (b, _), s in zip(width, x.shape)])
        c = self.constant_values
        if isinstance(c, (int, float, numpy.number)) and not isinstance(c, bool):
            shape = tuple([b + s + a for (b, a), s in zip(width, x.shape)])
            y = xp.full(shape, c, dtype=x.dtype)
            y[self._window] = x
            return y,
        # Per-axis constants: NumPy's and CuPy's pad take the same forms.
        return xp.pad(x, width, mode='constant', constant_values=c),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.get_item import get_item
        return get_item(grad_outputs[0], self._window),


def pad(x, pad_width, mode='constant', **keywords):
    """Pads ``x`` on each side of each axis, like :func:`numpy.pad`.

    Args:
        x: Variable or array.
        pad_width (int or sequence): Padding sizes as :func:`numpy.pad` takes them: an int
            for every side, ``(before, after)`` for every axis, or one pair per axis.
        mode (str): Only ``'constant'`` is supported.
        **keywords: ``constant_values`` (default 0), a scalar or NumPy's per-axis forms.

    Returns:
        Variable: The padded array; the padding receives no gradient.

    Example:
        >>> F.pad(numpy.ones((1, 2), 'f'), ((0, 1), (1, 0))).array
        array([[0., 1., 1.],
               [0., 0., 0.]], dtype=float32)
    """
    if mode != 'constant':
        raise ValueError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    unknown = set(keywords) - {'constant_values'}
    if unknown:
        raise TypeError(f'pad: unexpected keyword arguments {sorted(unknown)} for mode '
                        f"'constant' (only constant_values is accepted)")
    return Pad(pad_width, keywords.get('constant_values', 0)).apply((x,))[0]
