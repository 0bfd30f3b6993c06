"""Index of the minimum along an axis (not differentiable)."""
from dbr.functions.math.argmax import arg_extremum


def argmin(x, axis=None):
    """Returns the index of the minimum along ``axis`` (of the flattened ``x`` when None).

    The first index wins on ties. The result is an int32 Variable with no gradient.

    Args:
        x: Variable or array.
        axis (int or None): The axis to search.

    Example:
        >>> F.argmin(dbr.Variable(numpy.array([[1., 5.], [4., 2.]], 'f')), axis=1).array
        array([0, 1], dtype=int32)
    """
    return arg_extremum(x, axis, 'argmin')
