"""Indexing: basic slices, integer arrays and boolean masks, differentiable."""
import numpy

from dbr import backend
from dbr.function_node import FunctionNode
from dbr.variable import Variable


def _normalize_slices(slices, xp):
    if not isinstance(slices, tuple):
        slices = (slices,)
    out = []
    for s in slices:
        if isinstance(s, Variable):
            s = s.array
        if isinstance(s, list):
            s = xp.asarray(s)
        out.append(s)
    return tuple(out)


def _is_basic(slices):
    return all(s is None or s is Ellipsis or isinstance(s, (slice, int, numpy.integer))
               for s in slices)


class GetItem(FunctionNode):
    """``x[slices]`` for basic slicing, integer-array and boolean-mask indexing."""

    def __init__(self, slices):
        self.slices = slices

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        self._in_dtype = x.dtype
        try:
            y = x[self.slices]
        except IndexError as e:
            raise IndexError(f'get_item: {e} (x.shape={x.shape}, index={self.slices!r})') from None
        return y,

    def backward(self, indexes, grad_outputs):
        return GetItemGrad(self.slices, self._in_shape).apply(grad_outputs)


class GetItemGrad(FunctionNode):
    """Scatters ``gy`` into zeros of the input shape, summing over repeated indices."""

    def __init__(self, slices, in_shape):
        self.slices = slices
        self._in_shape = in_shape

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        gx = xp.zeros(self._in_shape, gy.dtype)
        if _is_basic(self.slices):
            gx[self.slices] = gy
        else:
            # NumPy and CuPy (>= 12) both have add.at; CuPy's ndarray.scatter_add is deprecated
            # (a DeprecationWarning, an error under filterwarnings=error).
            xp.add.at(gx, self.slices, gy)
        return gx,

    def backward(self, indexes, grad_outputs):
        return GetItem(self.slices).apply(grad_outputs)


def get_item(x, slices):
    """Returns ``x[slices]`` (also ``x[...]`` on a Variable).

    Args:
        x: Variable or array.
        slices: Anything NumPy indexing takes: ints, slices, None, Ellipsis, integer arrays
            (repeats allowed; their gradients add up), boolean masks, or a tuple of these.

    Example:
        >>> x = dbr.Variable(numpy.arange(6, dtype='f').reshape(2, 3))
        >>> F.get_item(x, (slice(None), [0, 0])).array
        array([[0., 0.],
               [3., 3.]], dtype=float32)
    """
    xp = backend.get_array_module(x)
    return GetItem(_normalize_slices(slices, xp)).apply((x,))[0]
