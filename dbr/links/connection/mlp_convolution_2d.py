"""``MLPConvolution2D``: the mlpconv layer of Network in Network."""
from dbr import link
from dbr.functions.activation.relu import relu
from dbr.links.connection.convolution_2d import Convolution2D

_WSCALE = ('MLPConvolution2D: wscale is not supported anymore; use conv_init and bias_init '
           'to change the scale of the initial parameters')


class MLPConvolution2D(link.ChainList):
    """A 2-D convolution followed by 1x1 convolutions, with activations in between (mlpconv,
    Lin et al., 2014).

    Child ``0`` convolves with ``ksize``, ``stride`` and ``pad``; children ``1 .. n-1`` are
    1x1 convolutions. ``activation`` follows every convolution but the last: the output is
    the last convolution's, not activated. ``MLPConvolution2D(out_channels, ksize)`` (two
    arguments) defers ``in_channels`` to the first call.

    Args:
        in_channels (int or None): Input channels; None defers them to the first call.
        out_channels (tuple of ints): Output channels of each convolution, at least one.
        ksize (int or pair of ints): Kernel size of the first convolution.
        stride (int or pair of ints): Stride of the first convolution.
        pad (int or pair of ints): Padding of the first convolution.
        activation (callable): Activation between the convolutions.
        conv_init: Keyword only. Initializer of every convolution's ``W``.
        bias_init: Keyword only. Initializer of every convolution's ``b``.

    Attributes:
        activation (callable): As given.

    Example:
        >>> mlpconv = L.MLPConvolution2D(3, (16, 8, 4), 3, pad=1)
        >>> mlpconv(numpy.zeros((1, 3, 5, 5), 'f')).shape
        (1, 4, 5, 5)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 activation=relu, *args, **kwargs):
        if args or 'wscale' in kwargs:
            raise TypeError(_WSCALE)
        conv_init = kwargs.pop('conv_init', None)
        bias_init = kwargs.pop('bias_init', None)
        if kwargs:
            raise TypeError(f'MLPConvolution2D: unexpected keyword arguments {sorted(kwargs)}')
        if ksize is None:
            in_channels, out_channels, ksize = None, in_channels, out_channels
        out_channels = tuple(out_channels)
        if not out_channels:
            raise ValueError('MLPConvolution2D: out_channels must name at least one '
                             'convolution, got ()')
        convs = [Convolution2D(in_channels, out_channels[0], ksize, stride, pad,
                               initialW=conv_init, initial_bias=bias_init)]
        for n_in, n_out in zip(out_channels, out_channels[1:]):
            convs.append(Convolution2D(n_in, n_out, 1, initialW=conv_init,
                                       initial_bias=bias_init))
        super().__init__(*convs)
        self.activation = activation

    def forward(self, x):
        """Applies the convolutions.

        Args:
            x: Input ``(N, in_channels, h, w)``.

        Returns:
            Variable: ``(N, out_channels[-1], h', w')``.

        Example:
            >>> y = mlpconv(x)  # doctest: +SKIP
        """
        f = self.activation
        *hidden, last = self
        for conv in hidden:
            x = f(conv(x))
        return last(x)
