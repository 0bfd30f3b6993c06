"""Argument checks and parameter initializers shared by the connection links."""
import numbers

import numpy

from dbr import backend
from dbr import initializers


def check_size(value, name, label, allow_none=False):
    """Returns ``value`` as an int after checking that it is a positive integer (or None).

    Args:
        value: The constructor argument.
        name (str): Its name, for the error message.
        label (str): The link's name, for the error message.
        allow_none (bool): Whether None (a size deferred to the first call) is accepted.

    Raises:
        TypeError: When ``value`` is not a positive integer (nor an allowed None).

    Example:
        >>> check_size(numpy.int64(3), 'out_size', 'Linear')
        3
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        allowed = 'a positive int or None' if allow_none else 'a positive int'
        raise TypeError(f'{label}: {name} must be {allowed}, got {value!r}')
    return int(value)


def get_initializer(value, default, label, name, shape=None):
    """The initializer a link builds a parameter with, from a constructor argument.

    ``None`` gives ``default``. An array fills the parameter with its values (broadcast to the
    parameter's shape) while, as in Chainer, the parameter keeps ``config.dtype``: a float64
    ``initialW=numpy.random.randn(...)`` still makes a float32 layer. A scalar, an initializer
    name or a callable goes through :func:`dbr.initializers._get_initializer`.

    Args:
        value: ``initialW``/``initial_bias`` as the user passed it.
        default: Initializer used when ``value`` is None.
        label (str): The link's name, for errors.
        name (str): The argument's name, for errors.
        shape (tuple of ints): The parameter's shape when already known; an array that does
            not broadcast to it is rejected here, naming the link.

    Raises:
        ValueError: An array whose shape does not broadcast to ``shape``.

    Example:
        >>> get_initializer(0.5, initializers.Zero(), 'Linear', 'initial_bias')
        Constant(0.5)
    """
    if value is None:
        return default
    if isinstance(value, numpy.ndarray) or backend.is_gpu_array(value):
        if shape is not None:
            try:
                fits = numpy.broadcast_shapes(value.shape, shape) == tuple(shape)
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(f'{label}: {name} has shape {value.shape}, which does not '
                                 f'broadcast to the parameter shape {tuple(shape)}')
        return initializers.Constant(value)
    return initializers._get_initializer(value)
