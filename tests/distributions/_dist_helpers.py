"""Helpers shared by the tests of dbr.distributions (imported as a sibling module)."""
import numpy

import dbr

FLOATS = [numpy.float64, numpy.float32]


def tolerance(dtype):
    """Tolerances of a forward comparison against a float64 NumPy reference."""
    return dict(atol=1e-12, rtol=1e-10) if dtype == numpy.float64 else dict(atol=1e-5, rtol=1e-5)


def grad_options(dtype):
    """Keyword arguments of gradient_check.check_backward for inputs of ``dtype``."""
    return {} if dtype == numpy.float64 else dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)


def to_cpu(v):
    """The array of the Variable ``v`` as a NumPy array."""
    return dbr.backend.to_cpu(v.array)
