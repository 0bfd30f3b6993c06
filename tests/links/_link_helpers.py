"""Helpers shared by the tests of dbr.links (imported as a sibling module)."""
import numpy

import dbr
from dbr import backend


def tolerance(dtype):
    """Tolerances of a forward comparison against a float64 NumPy reference."""
    if numpy.dtype(dtype) == numpy.float64:
        return dict(atol=1e-12, rtol=1e-10)
    return dict(atol=1e-5, rtol=1e-4)


def normal(shape, dtype=numpy.float64, scale=1.0):
    """Normal draws of ``shape`` as ``dtype``."""
    return numpy.asarray(numpy.random.normal(0, scale, shape)).astype(dtype)


def device_of(xp):
    """The device specifier of the array module ``xp``."""
    return '@numpy' if xp is numpy else '@cupy:0'


def to_cpu(a):
    """A Variable's array, or an array, as a NumPy array."""
    return backend.to_cpu(getattr(a, 'array', a))


def make_in_dtype(cls, dtype, *args, **kwargs):
    """``cls(*args, **kwargs)`` created under ``config.dtype = dtype``."""
    with dbr.using_config('dtype', dtype):
        return cls(*args, **kwargs)
