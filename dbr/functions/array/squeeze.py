"""Remove length-1 axes."""
from dbr import type_check
from dbr.functions.array._axis import axis_sequence
from dbr.functions.array.reshape import Reshape


def squeeze(x, axis=None):
    """Removes axes of length 1 from ``x``.

    Args:
        x: Variable or array.
        axis (None, int or tuple of ints): The axes to remove; each must have length 1. None
            removes every length-1 axis.

    Returns:
        Variable: ``x`` viewed without those axes.

    Example:
        >>> F.squeeze(numpy.zeros((2, 1, 3, 1), 'f'), axis=1).shape
        (2, 3, 1)
    """
    shape = x.shape
    if axis is None:
        kept = tuple([s for s in shape if s != 1])
    else:
        axes = axis_sequence(axis, len(shape), 'squeeze', shape, 'axis')
        for a in axes:
            if shape[a] != 1:
                raise type_check.InvalidType('the squeezed axes to have length 1',
                                             f'axis={axis!r}, x.shape={shape}', 'squeeze')
        kept = tuple([s for i, s in enumerate(shape) if i not in axes])
    return Reshape(kept).apply((x,))[0]
