"""Random draws shared by the noise functions, on NumPy or CuPy."""
import numpy


def draw(xp, name, shape, dtype=None):
    """Samples ``xp.random.<name>(size=shape)`` and casts it to ``dtype`` (None: no cast).

    On the CPU this uses NumPy's global generator, so ``numpy.random.seed`` makes the draws
    reproducible. CuPy draws float32 natively (float64 only when asked), which halves the
    random-number work for float32/float16 models.
    """
    if xp is numpy:
        a = getattr(numpy.random, name)(size=shape)
    else:
        native = numpy.float64 if dtype == numpy.float64 else numpy.float32
        a = getattr(xp.random, name)(size=shape, dtype=native)
    return a if dtype is None else a.astype(dtype, copy=False)
