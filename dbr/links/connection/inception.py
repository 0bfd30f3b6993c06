"""``Inception``: the inception module of GoogLeNet."""
from dbr import link
from dbr.functions.activation.relu import relu
from dbr.functions.array.concat import concat
from dbr.functions.pooling.max_pooling_2d import max_pooling_2d
from dbr.links.connection.convolution_2d import Convolution2D


class Inception(link.Chain):
    """Inception module of GoogLeNet (Szegedy et al., 2015).

    Four paths over the input, concatenated on the channel axis and passed through ReLU: a
    1x1 convolution (``conv1``); a 1x1 projection, ReLU and a 3x3 convolution (``proj3``,
    ``conv3``); a 1x1 projection, ReLU and a 5x5 convolution (``proj5``, ``conv5``); a 3x3
    max pooling (stride 1) and a 1x1 projection (``projp``). Padding keeps the spatial size.

    Args:
        in_channels (int or None): Input channels; None defers them to the first call.
        out1 (int): Output channels of the 1x1 path.
        proj3 (int): Projection channels of the 3x3 path.
        out3 (int): Output channels of the 3x3 path.
        proj5 (int): Projection channels of the 5x5 path.
        out5 (int): Output channels of the 5x5 path.
        proj_pool (int): Projection channels of the pooling path.
        conv_init: Initializer of every convolution's ``W``.
        bias_init: Initializer of every convolution's ``b``.

    Attributes:
        conv1, proj3, conv3, proj5, conv5, projp (Convolution2D): The convolutions.

    Example:
        >>> inc = L.Inception(3, 2, 2, 3, 2, 4, 5)
        >>> inc(numpy.zeros((1, 3, 6, 6), 'f')).shape  # 2 + 3 + 4 + 5 channels
        (1, 14, 6, 6)
    """

    def __init__(self, in_channels, out1, proj3, out3, proj5, out5, proj_pool, conv_init=None,
                 bias_init=None):
        super().__init__()
        init = dict(initialW=conv_init, initial_bias=bias_init)
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, out1, 1, **init)
            self.proj3 = Convolution2D(in_channels, proj3, 1, **init)
            self.conv3 = Convolution2D(proj3, out3, 3, pad=1, **init)
            self.proj5 = Convolution2D(in_channels, proj5, 1, **init)
            self.conv5 = Convolution2D(proj5, out5, 5, pad=2, **init)
            self.projp = Convolution2D(in_channels, proj_pool, 1, **init)

    def forward(self, x):
        """Applies the module.

        Args:
            x: Input ``(N, in_channels, h, w)``.

        Returns:
            Variable: ``(N, out1 + out3 + out5 + proj_pool, h, w)``.

        Example:
            >>> y = inc(x)  # doctest: +SKIP
        """
        out1 = self.conv1(x)
        out3 = self.conv3(relu(self.proj3(x)))
        out5 = self.conv5(relu(self.proj5(x)))
        pool = self.projp(max_pooling_2d(x, 3, stride=1, pad=1))
        return relu(concat((out1, out3, out5, pool), axis=1))
