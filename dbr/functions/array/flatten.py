"""Flatten to one axis."""
from dbr.functions.array.reshape import reshape


def flatten(x):
    """Flattens ``x`` into a 1-D array of ``x.size`` elements (C order).

    Args:
        x: Variable or array.

    Returns:
        Variable: The flattened array (``x`` itself when it is already a 1-D Variable).

    Example:
        >>> F.flatten(numpy.zeros((2, 3), 'f')).shape
        (6,)
    """
    return reshape(x, (x.size,))
