"""Axis bookkeeping shared by the reductions (sum, mean, max, min, prod, logsumexp)."""
import numpy

from dbr import type_check


def normalize_axes(axis, shape, label):
    """Returns ``axis`` as a sorted tuple of non-negative ints (None stays None).

    Raises:
        InvalidType: For an axis out of range, naming ``label`` and the shape.
        ValueError: For repeated axes.
    """
    if axis is None:
        return None
    ndim = len(shape)
    axes = (axis,) if isinstance(axis, (int, numpy.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise type_check.InvalidType(f'axis in [{-ndim}, {ndim})',
                                         f'axis={axis}, x.shape={tuple(shape)}', label)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f'{label}: duplicate axes in {axis}')
    return tuple(sorted(out))


def kept_shape(shape, axes):
    """The shape a reduction over ``axes`` has with ``keepdims=True`` (None: all axes)."""
    axes = range(len(shape)) if axes is None else axes
    return tuple(1 if i in axes else s for i, s in enumerate(shape))
