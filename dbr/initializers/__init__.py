"""Initializers: callables that fill an array in place (``initializer(array)``).

This module holds the constant initializers and :func:`generate_array`, which
:class:`dbr.Parameter` uses to create its array.
"""
import numpy

from dbr import backend
from dbr.configuration import get_dtype


class Initializer:
    """Base class: ``initializer(array)`` fills ``array`` in place.

    Args:
        dtype: Dtype the initializer produces by default (``config.dtype`` when None).
    """

    def __init__(self, dtype=None):
        self.dtype = None if dtype is None else numpy.dtype(dtype)

    def __call__(self, array):
        raise NotImplementedError(f'{type(self).__name__} must implement __call__(array)')


class Constant(Initializer):
    """Fills an array with a scalar, or with a broadcastable array.

    Example:
        >>> w = numpy.empty((2, 3), 'f'); dbr.initializers.Constant(0.5)(w)
    """

    def __init__(self, fill_value, dtype=None):
        super().__init__(dtype)
        self.fill_value = fill_value

    def __call__(self, array):
        xp = backend.get_array_module(array)
        array[...] = xp.asarray(backend.to_cpu(self.fill_value) if xp is numpy else self.fill_value)

    def __repr__(self):
        return f'Constant({self.fill_value!r})'


def Zero(dtype=None):
    """Initializer that fills zeros.

    Example:
        >>> dbr.Parameter(dbr.initializers.Zero(), (3,)).array
        array([0., 0., 0.], dtype=float32)
    """
    return Constant(0.0, dtype)


def One(dtype=None):
    """Initializer that fills ones.

    Example:
        >>> dbr.Parameter(dbr.initializers.One(), (2,)).array
        array([1., 1.], dtype=float32)
    """
    return Constant(1.0, dtype)


def NaN(dtype=None):
    """Initializer that fills NaN (used for parameters nobody initialized on purpose).

    Example:
        >>> dbr.Parameter(dbr.initializers.NaN(), (1,)).array
        array([nan], dtype=float32)
    """
    return Constant(numpy.nan, dtype)


def _get_initializer(initializer):
    """Turns None, a scalar or an array into an initializer object."""
    if initializer is None:
        return NaN()
    if isinstance(initializer, (int, float, numpy.generic)) and not isinstance(initializer, bool):
        return Constant(initializer)
    if hasattr(initializer, 'shape') and hasattr(initializer, 'dtype'):
        return Constant(initializer, initializer.dtype)
    if not callable(initializer):
        raise TypeError(f'dbr.initializers: expected an initializer (callable), a scalar or an '
                        f'array, got {type(initializer).__name__}')
    return initializer


def generate_array(initializer, shape, xp, dtype=None):
    """Creates an array of ``shape`` on ``xp`` filled by ``initializer``.

    Args:
        initializer: Callable ``initializer(array)``; its ``dtype`` attribute, if set, wins
            over ``dtype``.
        shape (tuple of ints): Shape of the new array.
        xp: ``numpy`` or ``cupy``.
        dtype: Dtype when the initializer does not fix one (``config.dtype`` when None).

    Example:
        >>> dbr.initializers.generate_array(dbr.initializers.One(), (2,), numpy)
        array([1., 1.], dtype=float32)
    """
    dtype = getattr(initializer, 'dtype', None) or get_dtype(dtype)
    array = xp.empty(shape, dtype=dtype)
    initializer(array)
    return array
