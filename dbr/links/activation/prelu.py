"""``PReLU``: parametric ReLU with a learnable slope."""
from dbr import link
from dbr.functions.activation.prelu import prelu
from dbr.variable import Parameter


class PReLU(link.Link):
    """Parametric ReLU, ``max(x, 0) + W * min(x, 0)``, with a learnable slope ``W``.

    ``W`` covers the axes ``1 .. W.ndim`` of the input (see :func:`dbr.functions.prelu`):
    ``shape=()`` shares one slope, ``shape=(C,)`` gives one slope per channel.

    Args:
        shape (tuple of ints): Shape of ``W``.
        init: Initial value of ``W`` (a scalar, an array or an initializer).

    Attributes:
        W (Parameter): The slope on the negative side.

    Example:
        >>> prelu = L.PReLU()
        >>> prelu(numpy.array([[-2., 2.]], 'f')).array
        array([[-0.5,  2. ]], dtype=float32)
    """

    def __init__(self, shape=(), init=0.25):
        super().__init__()
        with self.init_scope():
            self.W = Parameter(init, shape)

    def forward(self, x):
        """Applies the parametric ReLU.

        Args:
            x: Variable or array ``(B, *W.shape, ...)``.

        Returns:
            Variable of ``x``'s shape.

        Example:
            >>> y = prelu(x)  # doctest: +SKIP
        """
        return prelu(x, self.W)
