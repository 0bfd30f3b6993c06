"""Elementwise squared error."""
from dbr import type_check
from dbr.functions.math.squared_difference import SquaredDifference


class SquaredError(SquaredDifference):
    """``(x0 - x1) ** 2`` for operands of one shape (no broadcasting, as for a loss)."""

    check_type_forward = type_check.expects(
        'x0, x1', "x0.dtype.kind == 'f'", 'x0.dtype == x1.dtype', 'x0.shape == x1.shape')


def squared_error(x0, x1):
    """Returns the squared error ``(x0 - x1) ** 2`` elementwise (not reduced).

    Args:
        x0, x1: Variables or arrays of one float dtype and one shape.

    Returns:
        Variable of the inputs' shape.

    Example:
        >>> F.squared_error(dbr.Variable(numpy.array([1., 5.])), numpy.array([3., 2.])).array
        array([4., 9.])
    """
    return SquaredError().apply((x0, x1))[0]
