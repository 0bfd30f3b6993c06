"""Initializers bound to the dtype of the normalization link that owns them."""
import copy

from dbr import initializers


class _Typed(initializers.Initializer):
    """A plain callable initializer with a fixed dtype."""

    def __init__(self, fill, dtype):
        super().__init__(dtype)
        self.fill = fill

    def __call__(self, array):
        self.fill(array)


def typed_initializer(value, default, dtype):
    """Returns ``value`` (``default`` when None) as an initializer that produces ``dtype``.

    As in Chainer, the link's dtype wins over the initializer's own; the caller's object is
    never modified (a copy carries the new dtype).

    Args:
        value: None, a scalar, an array, an initializer name or a callable.
        default: Scalar used when ``value`` is None.
        dtype (numpy.dtype): Dtype of the arrays the initializer fills.

    Example:
        >>> typed_initializer(None, 1, numpy.dtype('d')).dtype
        dtype('float64')
    """
    init = initializers._get_initializer(default if value is None else value)
    if not isinstance(init, initializers.Initializer):
        return _Typed(init, dtype)
    # ``is None`` first: NumPy reads None as float64, so ``None != float64`` is False.
    if init.dtype is None or init.dtype != dtype:
        init = copy.copy(init)
        init.dtype = dtype
    return init
