"""Vertical (row-wise) stacking, as numpy.vstack."""
from dbr.functions.array._join import Join, as_inputs


class Vstack(Join):
    """Joins along axis 0 after viewing scalars as (1, 1) and vectors (n,) as rows (1, n)."""

    def _layout(self, shapes):
        if all(len(s) >= 2 for s in shapes):
            return shapes, 0
        return [s if len(s) >= 2 else (1,) * (2 - len(s)) + s for s in shapes], 0


def vstack(xs):
    """Stacks Variables or arrays vertically (row-wise), like :func:`numpy.vstack`.

    Args:
        xs (list or tuple): Variables or arrays of one dtype; vectors of length ``n`` act as
            ``(1, n)`` rows.

    Returns:
        Variable: The stacked array, at least 2-D.

    Example:
        >>> F.vstack((numpy.zeros(3, 'f'), numpy.ones(3, 'f'))).shape
        (2, 3)
    """
    return Vstack().apply(as_inputs(xs, 'vstack'))[0]
