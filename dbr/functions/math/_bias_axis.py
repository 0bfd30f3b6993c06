"""The layout shared by bias and scale: the second operand laid along ``x``'s axes from ``axis``."""
from dbr import type_check
from dbr.functions.math._unary import raw_array


def along(x, y, axis, label):
    """``y`` reshaped so that it broadcasts over ``x`` with its axes at ``axis``, ``axis + 1``, ...

    Raises:
        InvalidType: Naming ``label`` when ``y``'s shape is not ``x.shape[axis:axis + y.ndim]``.
    """
    from dbr.functions.array.reshape import reshape
    xa = raw_array(x, label)
    ya = raw_array(y, label)
    if xa.dtype.kind != 'f' or xa.dtype != ya.dtype:
        raise type_check.InvalidType("x.dtype.kind == 'f' and y.dtype == x.dtype",
                                     f'x.dtype={xa.dtype}, y.dtype={ya.dtype}', label)
    xs, ys = xa.shape, ya.shape
    start = axis + len(xs) if -len(xs) <= axis < 0 else axis
    if not (0 <= start <= len(xs) - len(ys) and xs[start:start + len(ys)] == ys):
        raise type_check.InvalidType('y.shape == x.shape[axis:axis + y.ndim]',
                                     f'x.shape={xs}, y.shape={ys}, axis={axis}', label)
    shape = (1,) * start + ys + (1,) * (len(xs) - start - len(ys))
    return reshape(y, shape) if shape != ys else y
