"""Axis bookkeeping shared by the reductions (sum, mean, max, min, prod, logsumexp, argmax)."""
import numpy

from dbr import type_check

_INTS = (int, numpy.integer)


def normalize_axes(axis, shape, label):
    """Returns ``axis`` as a sorted tuple of non-negative ints (None stays None).

    Raises:
        TypeError: For an axis that is not None, an int or a tuple/list of ints.
        InvalidType: For an axis out of range, naming ``label`` and the shape.
        ValueError: For repeated axes.
    """
    if axis is None:
        return None
    if isinstance(axis, _INTS):
        axes = (axis,)
    elif isinstance(axis, (tuple, list)) and all(isinstance(a, _INTS) for a in axis):
        axes = axis
    else:
        raise TypeError(f'{label}: axis must be None, an int or a tuple of ints, got {axis!r}')
    ndim = len(shape)
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


def reduced_size(shape, axes):
    """How many elements each output of a reduction over ``axes`` combines (None: all axes)."""
    n = 1
    for i in (range(len(shape)) if axes is None else axes):
        n *= shape[i]
    return n


def check_nonempty(x, axes, axis, label):
    """Raises ValueError when a reduction without identity (max, mean, ...) would see nothing.

    ``axes`` is the normalized form of the user's ``axis``, which the message shows.
    """
    if x.size == 0 and reduced_size(x.shape, axes) == 0:
        raise ValueError(f'{label}: cannot reduce over an empty axis (x.shape={x.shape}, '
                         f'axis={axis})')
