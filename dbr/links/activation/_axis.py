"""The broadcasting rule shared by ``Scale`` and ``Bias``."""
from dbr import type_check
from dbr.functions.array.reshape import reshape


def along_axis(label, x, y, axis):
    """Returns ``y`` reshaped to broadcast against ``x`` with its axes at ``x``'s ``axis``.

    ``y.shape`` must equal ``x.shape[axis:axis + y.ndim]``; the result has shape
    ``(1,) * axis + y.shape + (1,) * (x.ndim - axis - y.ndim)``.

    Args:
        label (str): Name of the calling link, used in the error message.
        x: Variable or array, the input.
        y: Variable or array, the per-position operand.
        axis (int): First axis of ``x`` that ``y`` covers.

    Raises:
        InvalidType: When ``y``'s shape does not fit ``x`` at ``axis``.

    Example:
        >>> along_axis('Scale', numpy.zeros((2, 3, 4)), numpy.ones(3), 1).shape  # doctest: +SKIP
        (1, 3, 1)
    """
    x_shape = tuple(x.shape)
    y_shape = tuple(y.shape)
    end = axis + len(y_shape)
    if axis < 0 or end > len(x_shape) or x_shape[axis:end] != y_shape:
        raise type_check.InvalidType(
            f'0 <= axis and x.shape[axis:axis + {len(y_shape)}] == {y_shape}',
            f'x.shape={x_shape}, axis={axis}', label)
    return reshape(y, (1,) * axis + y_shape + (1,) * (len(x_shape) - end))
