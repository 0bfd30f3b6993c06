"""Testing helpers: ``assert_allclose`` that accepts Variables and CuPy arrays."""
import numpy

from dbr import backend


def _host(x):
    return backend.to_cpu(getattr(x, '_data', x))


def assert_allclose(x, y, atol=1e-5, rtol=1e-4, verbose=True):
    """Asserts that ``x`` and ``y`` are elementwise close (Variables, NumPy or CuPy arrays).

    Args:
        x, y: Values to compare (broadcasting as in NumPy).
        atol (float): Absolute tolerance.
        rtol (float): Relative tolerance.
        verbose (bool): Include the arrays in the failure message.

    Example:
        >>> dbr.testing.assert_allclose(dbr.Variable(numpy.ones(2)), numpy.ones(2))
    """
    x, y = _host(x), _host(y)
    try:
        numpy.testing.assert_allclose(x, y, atol=atol, rtol=rtol, verbose=verbose)
    except AssertionError as e:
        if not verbose:
            raise
        raise AssertionError(f'{e}\n{_max_error(x, y)} (atol={atol}, rtol={rtol})') from None


def _max_error(x, y):
    x = numpy.asarray(x, dtype=numpy.float64)
    y = numpy.asarray(y, dtype=numpy.float64)
    try:
        numpy.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return f'shapes differ: {x.shape} vs {y.shape}'
    with numpy.errstate(invalid='ignore'):
        err = numpy.abs(x - y)
    mismatched_nan = numpy.isnan(x) != numpy.isnan(y)
    if mismatched_nan.any():
        return f'max absolute error: nan ({int(mismatched_nan.sum())} NaN mismatches)'
    return f'max absolute error: {numpy.nanmax(err, initial=0)}'
