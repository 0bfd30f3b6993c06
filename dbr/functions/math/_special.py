"""The error functions' forward: SciPy on NumPy where installed, cupyx.scipy on CuPy."""
import math

import numpy

from dbr import backend

# d/dx erf(x) = TWO_OVER_SQRT_PI * exp(-x * x)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

_cpu = {}


def special(name, x):
    """Applies ``scipy.special.<name>`` ('erf' or 'erfc') to ``x``, keeping ``x.dtype``."""
    if backend.get_array_module(x) is numpy:
        f = _cpu.get(name) or _load_cpu(name)
    else:
        from cupyx.scipy import special as cupy_special
        f = getattr(cupy_special, name)
    # SciPy computes float16 in float64.
    return f(x).astype(x.dtype, copy=False)


def _load_cpu(name):
    try:
        from scipy import special as scipy_special
        f = getattr(scipy_special, name)
    except ImportError:
        # SciPy is optional: fall back to the standard library, one element at a time (slow).
        ufunc = numpy.frompyfunc(getattr(math, name), 1, 1)

        def f(x):
            return numpy.asarray(ufunc(x), dtype=numpy.float64)
    _cpu[name] = f
    return f
