"""``Swish``: ``x * sigmoid(beta * x)`` with a learnable ``beta``."""
from dbr import link
from dbr.functions.activation.swish import swish
from dbr.variable import Parameter


class Swish(link.Link):
    """Swish activation with a learnable ``beta`` covering the axes ``1 .. beta.ndim``.

    Args:
        beta_shape (tuple of ints or None): Shape of ``beta``; None takes the shape of every
            axis of the first input but the batch axis.
        beta_init: Initial value of ``beta`` (a scalar, an array or an initializer).

    Attributes:
        beta (Parameter): The learnable slope inside the sigmoid.

    Example:
        >>> swish = L.Swish(None)
        >>> swish(numpy.zeros((2, 3), 'f')).shape, swish.beta.shape
        ((2, 3), (3,))
    """

    def __init__(self, beta_shape, beta_init=1.0):
        super().__init__()
        with self.init_scope():
            self.beta = Parameter(beta_init, beta_shape)

    def forward(self, x):
        """Applies ``x * sigmoid(beta * x)``, creating ``beta`` on the first call if needed.

        Args:
            x: Variable or array ``(B, *beta.shape, ...)``.

        Returns:
            Variable of ``x``'s shape.

        Example:
            >>> y = swish(x)  # doctest: +SKIP
        """
        if self.beta.array is None:
            self.beta.initialize(tuple(x.shape[1:]))
        return swish(x, self.beta)
