"""Shared by the matrix functions (inv, det, cholesky): LAPACK's input dtype."""
import numpy


def lapack_input(a):
    """``a``, in float32 if it is float16 (which LAPACK does not take)."""
    return a.astype(numpy.float32) if a.dtype == numpy.float16 else a
