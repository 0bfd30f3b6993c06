"""``Highway``: a gated mix of a transformed input and the input itself."""
from dbr import link
from dbr.functions.activation.relu import relu
from dbr.functions.activation.sigmoid import sigmoid
from dbr.links.connection.linear import Linear


class Highway(link.Chain):
    """Highway layer: ``y = activate(plain(x)) * t + x * (1 - t)``, ``t = sigmoid(transform(x))``.

    Input and output have the same size, so layers stack. The transform gate's bias starts
    negative (``init_bt = -1``), which lets the input through at first.

    Args:
        in_out_size (int): Input and output size.
        nobias (bool): Whether the two Linear children have no bias.
        activate (callable): Activation of the plain branch.
        init_Wh: Initializer of ``plain.W``.
        init_Wt: Initializer of ``transform.W``.
        init_bh: Initializer of ``plain.b`` (0 if None).
        init_bt: Initializer of ``transform.b``.

    Attributes:
        plain (Linear): The transformed branch.
        transform (Linear): The gate.
        activate (callable): Activation of the plain branch.

    Example:
        >>> layer = L.Highway(3)
        >>> layer(numpy.zeros((2, 3), 'f')).shape
        (2, 3)
    """

    def __init__(self, in_out_size, nobias=False, activate=relu, init_Wh=None, init_Wt=None,
                 init_bh=None, init_bt=-1):
        super().__init__()
        self.activate = activate
        with self.init_scope():
            self.plain = Linear(in_out_size, in_out_size, nobias=nobias, initialW=init_Wh,
                                initial_bias=init_bh)
            self.transform = Linear(in_out_size, in_out_size, nobias=nobias, initialW=init_Wt,
                                    initial_bias=init_bt)

    def forward(self, x):
        """Applies the layer.

        Args:
            x: Input ``(B, in_out_size)``.

        Returns:
            Variable ``(B, in_out_size)``.

        Example:
            >>> y = layer(x)  # doctest: +SKIP
        """
        t = sigmoid(self.transform(x))
        return self.activate(self.plain(x)) * t + x * (1 - t)
