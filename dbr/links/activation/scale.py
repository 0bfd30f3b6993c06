"""``Scale``: multiplies by a (learnable) array broadcast along some axes of the input."""
from dbr import link
from dbr.links.activation._axis import along_axis
from dbr.links.activation.bias import Bias
from dbr.variable import Parameter


class Scale(link.Chain):
    """Multiplies ``x`` by ``W`` covering the axes ``axis .. axis + W.ndim - 1`` of ``x``.

    With ``W_shape`` given the link owns the learnable ``W`` (initialized to 1) and is called
    as ``scale(x)``; without it the factor is an argument, ``scale(x, y)``. The factor's shape
    must equal ``x.shape[axis:axis + ndim]``; it is broadcast over the other axes. With
    ``bias_term`` a :class:`Bias` child named ``bias`` adds a learnable bias afterwards.

    Args:
        axis (int): First axis of the input the factor covers.
        W_shape (int or tuple of ints): Shape of the learnable ``W``; None for a factor given
            at call time.
        bias_term (bool): Whether to add a learnable bias after scaling.
        bias_shape (int or tuple of ints): Shape of the bias when ``W_shape`` is None (with
            ``W_shape`` the bias has ``W``'s shape).

    Attributes:
        W (Parameter): The factor (only when ``W_shape`` was given).
        bias (Bias): The bias link (only with ``bias_term``).

    Raises:
        ValueError: When ``bias_term`` is set but neither ``W_shape`` nor ``bias_shape`` is.

    Example:
        >>> scale = L.Scale(W_shape=(3,), bias_term=True)
        >>> scale(numpy.ones((2, 3), 'f')).array
        array([[1., 1., 1.],
               [1., 1., 1.]], dtype=float32)
    """

    def __init__(self, axis=1, W_shape=None, bias_term=False, bias_shape=None):
        super().__init__()
        self.axis = axis
        if bias_term and W_shape is None and bias_shape is None:
            raise ValueError('Scale: bias_shape is needed when bias_term is set and W_shape is '
                             'None (the factor is an argument)')
        with self.init_scope():
            if W_shape is not None:
                self.W = Parameter(1, W_shape)
            if bias_term:
                self.bias = Bias(axis, W_shape if W_shape is not None else bias_shape)

    def forward(self, *xs):
        """Returns ``x * W`` (or ``x * y`` for ``scale(x, y)``), plus the bias if any.

        Args:
            *xs: ``(x,)`` when the link owns ``W``, else ``(x, y)``.

        Returns:
            Variable of ``x``'s shape.

        Example:
            >>> z = L.Scale()(x, numpy.full(3, 2, 'f'))  # doctest: +SKIP
        """
        d = self.__dict__
        W = d.get('W')
        if len(xs) != (1 if W is not None else 2):
            args = 'x' if W is not None else 'x, y'
            raise TypeError(f'Scale: expected the arguments ({args}), got {len(xs)} '
                            f'argument(s)')
        x = xs[0]
        z = x * along_axis('Scale', x, xs[1] if W is None else W, self.axis)
        bias = d.get('bias')
        return z if bias is None else bias(z)
