"""``DepthwiseConvolution2D``: every input channel convolved with its own filters."""
from dbr import initializers
from dbr import link
from dbr.functions.connection import _im2col
from dbr.functions.connection.depthwise_convolution_2d import depthwise_convolution_2d
from dbr.links.connection._convolution import check_input_ndim
from dbr.links.connection._params import check_size, get_initializer
from dbr.variable import Parameter

_LABEL = 'DepthwiseConvolution2D'


class DepthwiseConvolution2D(link.Link):
    """Depthwise convolution layer holding ``W (multiplier, in, kh, kw)`` and ``b``.

    Input channel ``c`` is convolved with ``W[:, c]``, giving ``channel_multiplier`` output
    channels per input channel; ``b`` has ``channel_multiplier * in_channels`` entries, so with
    ``in_channels=None`` both parameters wait for the first call.

    Args:
        in_channels (int or None): Input channels; None defers ``W`` and ``b``.
        channel_multiplier (int): Output channels per input channel.
        ksize (int or pair of ints): Kernel size.
        stride (int or pair of ints): Stride.
        pad (int or pair of ints): Zero padding on both sides.
        nobias (bool): No bias (``b`` is None).
        initialW: Initializer, scalar, array or name for ``W``; LeCunNormal by default.
        initial_bias: Same for ``b``; zeros by default.

    Attributes:
        W (Parameter): Weight ``(channel_multiplier, in_channels, kh, kw)``.
        b (Parameter or None): Bias ``(channel_multiplier * in_channels,)``.

    Example:
        >>> conv = L.DepthwiseConvolution2D(3, 2, 3, pad=1)
        >>> conv(numpy.zeros((1, 3, 8, 8), 'f')).shape
        (1, 6, 8, 8)
    """

    def __init__(self, in_channels, channel_multiplier, ksize, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None):
        super().__init__()
        in_channels = check_size(in_channels, 'in_channels', _LABEL, allow_none=True)
        self.channel_multiplier = check_size(channel_multiplier, 'channel_multiplier', _LABEL)
        self.ksize = _im2col.as_tuple(ksize, 2, 'ksize', _LABEL, 1)
        self.stride = _im2col.as_tuple(stride, 2, 'stride', _LABEL, 1)
        self.pad = _im2col.as_tuple(pad, 2, 'pad', _LABEL, 0)
        self.nobias = bool(nobias)
        w_shape = b_shape = None
        if in_channels is not None:
            w_shape = (self.channel_multiplier, in_channels) + self.ksize
            b_shape = (self.channel_multiplier * in_channels,)
        with self.init_scope():
            self.W = Parameter(get_initializer(initialW, initializers.LeCunNormal(), _LABEL,
                                               'initialW', w_shape), w_shape)
            if self.nobias:
                self.b = None
            else:
                self.b = Parameter(get_initializer(initial_bias, initializers.Zero(), _LABEL,
                                                   'initial_bias', b_shape), b_shape)

    def _initialize_from(self, x):
        """Creates ``W`` (and ``b``) with the input channels of the first input ``x``."""
        check_input_ndim(x, 2, _LABEL)
        in_channels = x.shape[1]
        self.W.initialize((self.channel_multiplier, in_channels) + self.ksize)
        if self.b is not None:
            self.b.initialize(self.channel_multiplier * in_channels)

    def forward(self, x):
        """Convolves ``x`` ``(N, C, h, w)`` into ``(N, C * channel_multiplier, h', w')``.

        Example:
            >>> y = conv(x)  # doctest: +SKIP
        """
        if self.W.array is None:
            self._initialize_from(x)
        return depthwise_convolution_2d(x, self.W, self.b, self.stride, self.pad)
