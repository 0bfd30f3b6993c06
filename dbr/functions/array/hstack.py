"""Horizontal (column-wise) stacking, as numpy.hstack."""
from dbr.functions.array._join import Join, as_inputs


class Hstack(Join):
    """Joins along axis 1, or along axis 0 when the inputs are vectors (scalars count as such)."""

    def _layout(self, shapes):
        if all(len(s) >= 1 for s in shapes):
            views = shapes
        else:
            views = [s if len(s) >= 1 else (1,) for s in shapes]
        return views, 0 if len(views[0]) == 1 else 1


def hstack(xs):
    """Stacks Variables or arrays horizontally (column-wise), like :func:`numpy.hstack`.

    Vectors (and scalars, seen as length-1 vectors) are joined end to end; arrays of two or
    more axes are joined along axis 1.

    Args:
        xs (list or tuple): Variables or arrays of one dtype.

    Returns:
        Variable: The stacked array.

    Example:
        >>> F.hstack((numpy.zeros((2, 1), 'f'), numpy.ones((2, 2), 'f'))).shape
        (2, 3)
    """
    return Hstack().apply(as_inputs(xs, 'hstack'))[0]
