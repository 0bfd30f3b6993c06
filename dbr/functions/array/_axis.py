"""Helpers shared by the array functions: axis validation and zero gradients."""
import numpy

from dbr import type_check


def normalize_axis(axis, ndim, label, shape, name='axis', insert=False, arg='x'):
    """Returns ``axis`` as a non-negative int, or raises an error naming ``label``.

    Args:
        axis: The axis given by the user.
        ndim (int): Number of axes of the input.
        label (str): Function name for the error message.
        shape (tuple): Input shape, shown in the error message.
        name (str): How the argument is called in the message.
        insert (bool): ``axis`` is a position where a new axis goes (``stack``,
            ``expand_dims``), so ``ndim + 1`` positions are valid.
        arg (str): Name of the input whose shape is shown.

    Raises:
        TypeError: When ``axis`` is not an int.
        InvalidType: When ``axis`` is out of range.
    """
    if not isinstance(axis, (int, numpy.integer)) or isinstance(axis, (bool, numpy.bool_)):
        raise TypeError(f'{label}: {name} must be an int, got {axis!r}')
    n = ndim + 1 if insert else ndim
    if not -n <= axis < n:
        raise type_check.InvalidType(f'{name} in [{-n}, {n})',
                                     f'{name}={axis}, {arg}.shape={tuple(shape)}', label)
    return int(axis) % n


def axis_sequence(axes, ndim, label, shape, name):
    """Normalizes an int or a sequence of distinct ints with :func:`normalize_axis`."""
    if isinstance(axes, (int, numpy.integer)):
        axes = (axes,)
    out = tuple([normalize_axis(a, ndim, label, shape, name) for a in axes])
    if len(set(out)) != len(out):
        raise ValueError(f'{label}: repeated axis in {name}={axes!r}')
    return out


def zeros_for_missing(grads, shapes, dtype, xp):
    """Replaces the None entries of ``grads`` (outputs no gradient reached) with zeros."""
    return [xp.zeros(s, dtype) if g is None else g for g, s in zip(grads, shapes)]
