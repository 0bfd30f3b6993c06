"""Split an array into pieces along an axis."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array._axis import normalize_axis, zeros_for_missing
from dbr.variable import Variable


def _as_split_spec(indices_or_sections):
    """An int (number of sections) or a tuple of Python ints (split points)."""
    spec = indices_or_sections
    if isinstance(spec, Variable):
        spec = spec.array
    if isinstance(spec, (int, numpy.integer)) and not isinstance(spec, (bool, numpy.bool_)):
        return int(spec)
    if backend.is_gpu_array(spec):
        spec = spec.get()
    try:
        points = numpy.asarray(spec)
    except Exception:
        points = None
    if points is None or points.ndim != 1 or (points.size and points.dtype.kind not in 'iu'):
        raise TypeError(f'split_axis: indices_or_sections must be an int or a 1-D sequence of '
                        f'ints, got {indices_or_sections!r}')
    return tuple(points.tolist())


class SplitAxis(FunctionNode):
    """Splits ``x`` along ``axis`` into views; the gradient is a :func:`concat`.

    ``indices_or_sections`` is an int N (N equal pieces) or non-decreasing split points
    (negative points count from the end, as in NumPy).
    """

    def __init__(self, indices_or_sections, axis):
        self.indices_or_sections = _as_split_spec(indices_or_sections)
        self.axis = axis

    def _bounds(self, shape):
        """Normalized axis and the (start, stop) of every piece."""
        axis = normalize_axis(self.axis, len(shape), self.label, shape)
        size = shape[axis]
        spec = self.indices_or_sections
        if spec.__class__ is int:
            if spec <= 0 or size % spec:
                raise type_check.InvalidType(
                    f'a number of sections that divides x.shape[{axis}]',
                    f'sections={spec}, x.shape={shape}', self.label)
            step = size // spec
            return axis, [(i * step, (i + 1) * step) for i in range(spec)]
        points = [p + size if p < 0 else p for p in spec]
        prev = 0
        for p in points:
            if not prev <= p <= size:
                raise type_check.InvalidType(
                    f'non-decreasing split points in [0, x.shape[{axis}]] = [0, {size}]',
                    f'indices={list(spec)}, x.shape={shape}', self.label)
            prev = p
        starts = [0] + points
        return axis, list(zip(starts, points + [size]))

    def forward(self, inputs):
        x, = inputs
        axis, bounds = self._bounds(x.shape)
        self._axis = axis
        self._dtype = x.dtype
        pre = (slice(None),) * axis
        ys = tuple([x[pre + (slice(a, b),)] for a, b in bounds])
        self._shapes = [y.shape for y in ys]
        return ys

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.concat import concat
        xp = backend.get_array_module(*[g for g in grad_outputs if g is not None])
        gys = zeros_for_missing(grad_outputs, self._shapes, self._dtype, xp)
        return concat(gys, self._axis),


def split_axis(x, indices_or_sections, axis, force_tuple=True):
    """Splits ``x`` into several pieces along ``axis``.

    Args:
        x: Variable or array.
        indices_or_sections (int or 1-D sequence of ints): An int ``N`` splits ``x`` into ``N``
            equal pieces (``N`` must divide ``x.shape[axis]``); a non-decreasing sequence gives
            the points where ``x`` is cut, as in :func:`numpy.split` (pieces may be empty).
        axis (int): The axis to split.
        force_tuple (bool): Return a tuple even when there is only one piece; when False a
            single piece is returned as a Variable.

    Returns:
        tuple of Variables (or a Variable, see ``force_tuple``). Outputs that receive no
        gradient count as zeros in backward.

    Example:
        >>> x = numpy.arange(12, dtype='f').reshape(2, 6)
        >>> [y.shape for y in F.split_axis(x, [1, 4], axis=1)]
        [(2, 1), (2, 3), (2, 2)]
    """
    ys = SplitAxis(indices_or_sections, axis).apply((x,))
    if not force_tuple and len(ys) == 1:
        return ys[0]
    return ys
