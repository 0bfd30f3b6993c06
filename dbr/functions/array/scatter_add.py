"""Out-of-place ``a[slices] += b``."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array.get_item import _normalize_slices


class ScatterAdd(FunctionNode):
    """A copy of ``a`` with ``b`` added at ``slices`` (repeated indices accumulate)."""

    check_type_forward = type_check.expects('a, b', 'a.dtype == b.dtype')

    def __init__(self, slices):
        self.slices = slices

    def forward(self, inputs):
        a, b = inputs
        xp = backend.get_array_module(a)
        self._b_shape = b.shape
        y = a.copy()
        try:
            if any(getattr(s, 'dtype', None) is not None and s.dtype.kind in 'iu'
                   for s in self.slices):
                xp.add.at(y, self.slices, b)  # integer arrays may repeat an element
            else:
                y[self.slices] += b  # slices and masks select each element once
        except (IndexError, ValueError) as e:
            raise type_check.InvalidType(
                'slices valid for a, and b broadcastable to a[slices]',
                f'a.shape={a.shape}, b.shape={b.shape}, slices={self.slices!r} ({e})',
                self.label) from None
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.get_item import get_item
        from dbr.functions.math.sum_to import sum_to
        gy, = grad_outputs
        ret = []
        for i in indexes:
            ret.append(gy if i == 0 else sum_to(get_item(gy, self.slices), self._b_shape))
        return tuple(ret)


def scatter_add(a, slices, b):
    """Returns a copy of ``a`` with ``b`` added at ``slices``, differentiable in both.

    Unlike ``a[slices] += b`` in NumPy, elements selected several times by an integer-array
    index receive every addition (as :func:`numpy.add.at`). ``a`` itself is not modified.

    Args:
        a: Variable or array.
        slices: An index as :func:`get_item` takes it (ints, slices, None, Ellipsis,
            integer arrays, boolean masks, or a tuple of these).
        b: Variable or array of ``a``'s dtype, broadcastable to the shape of ``a[slices]``.

    Returns:
        Variable: Array of ``a``'s shape.

    Example:
        >>> a = numpy.zeros(3, 'f')
        >>> F.scatter_add(a, numpy.array([0, 2, 0]), numpy.ones(3, 'f')).array
        array([2., 0., 1.], dtype=float32)
    """
    xp = backend.get_array_module(a, b)
    return ScatterAdd(_normalize_slices(slices, xp)).apply((a, b))[0]
