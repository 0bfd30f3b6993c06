"""``Bias``: adds a (learnable) array broadcast along some axes of the input."""
from dbr import link
from dbr.links.activation._axis import along_axis
from dbr.variable import Parameter


class Bias(link.Link):
    """Adds ``b`` to ``x``, ``b`` covering the axes ``axis .. axis + b.ndim - 1`` of ``x``.

    With ``shape`` given the link owns the learnable ``b`` (initialized to 0) and is called as
    ``bias(x)``; without it the bias is an argument, ``bias(x, y)``. ``y.shape`` must equal
    ``x.shape[axis:axis + y.ndim]``; it is broadcast over the other axes.

    Args:
        axis (int): First axis of the input the bias covers.
        shape (int or tuple of ints): Shape of the learnable bias ``b``; None for a bias
            given at call time.

    Attributes:
        b (Parameter): The bias (only when ``shape`` was given).
        axis (int): First axis the bias covers.

    Example:
        >>> bias = L.Bias(shape=(3,))
        >>> bias(numpy.ones((2, 3, 4), 'f')).shape
        (2, 3, 4)
    """

    def __init__(self, axis=1, shape=None):
        super().__init__()
        if shape is not None:
            with self.init_scope():
                self.b = Parameter(0, shape)
        self.axis = axis

    def forward(self, *xs):
        """Returns ``x + b`` (or ``x + y`` for ``bias(x, y)``), ``b`` broadcast at ``axis``.

        Args:
            *xs: ``(x,)`` when the link owns ``b``, else ``(x, y)``.

        Returns:
            Variable of ``x``'s shape.

        Example:
            >>> y = L.Bias()(x, numpy.ones(3, 'f'))  # doctest: +SKIP
        """
        b = self.__dict__.get('b')
        if len(xs) != (1 if b is not None else 2):
            args = 'x' if b is not None else 'x, y'
            raise TypeError(f'Bias: expected the arguments ({args}), got {len(xs)} '
                            f'argument(s)')
        x = xs[0]
        return x + along_axis('Bias', x, xs[1] if b is None else b, self.axis)
