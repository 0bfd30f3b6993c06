"""Elementwise sum with the second operand broadcast from a given axis (Caffe's bias)."""
from dbr.functions.math._bias_axis import along
from dbr.functions.math.add import Add


def bias(x, y, axis=1):
    """Adds ``y`` to ``x``, with ``y``'s axes laid along ``x``'s axes ``axis, axis + 1, ...``.

    For ``x`` of shape ``(100, 3, 40, 5, 6)``, ``y`` of shape ``(3, 40)`` and ``axis=1``, ``y``
    is added as if of shape ``(1, 3, 40, 1, 1)``. Unlike NumPy broadcasting, ``axis`` says
    where ``y``'s axes sit in ``x``.

    Args:
        x: Variable or array of floats.
        y: Variable or array of ``x``'s dtype, of shape ``x.shape[axis:axis + y.ndim]``.
        axis (int): The axis of ``x`` that ``y``'s first axis matches.

    Returns:
        Variable of ``x``'s shape.

    Example:
        >>> x = dbr.Variable(numpy.zeros((2, 3, 4), 'f'))
        >>> F.bias(x, numpy.arange(3, dtype='f')).array[1, :, 0]
        array([0., 1., 2.], dtype=float32)
    """
    return Add().apply((x, along(x, y, axis, 'bias')))[0]
