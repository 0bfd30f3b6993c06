"""Depth-wise stacking along the third axis, as numpy.dstack."""
from dbr.functions.array._join import Join, as_inputs


def _at_least_3d(s):
    n = len(s)
    if n == 0:
        return (1, 1, 1)
    if n == 1:
        return (1,) + s + (1,)
    if n == 2:
        return s + (1,)
    return s


class Dstack(Join):
    """Joins along axis 2 after viewing inputs as 3-D: (n,) as (1, n, 1), (m, n) as (m, n, 1)."""

    def _layout(self, shapes):
        if all(len(s) >= 3 for s in shapes):
            return shapes, 2
        return [_at_least_3d(s) for s in shapes], 2


def dstack(xs):
    """Stacks Variables or arrays depth-wise (along the third axis), like :func:`numpy.dstack`.

    Args:
        xs (list or tuple): Variables or arrays of one dtype; inputs with fewer than three axes
            are viewed as ``(1, n, 1)`` (vectors) or ``(m, n, 1)`` (matrices).

    Returns:
        Variable: The stacked array, at least 3-D.

    Example:
        >>> F.dstack((numpy.zeros((2, 3), 'f'), numpy.ones((2, 3), 'f'))).shape
        (2, 3, 2)
    """
    return Dstack().apply(as_inputs(xs, 'dstack'))[0]
