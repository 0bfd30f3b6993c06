"""``Convolution2D``: the two-dimensional convolution layer."""
from dbr.functions.connection.convolution_2d import convolution_2d
from dbr.links.connection._convolution import ConvolutionLinkBase


class Convolution2D(ConvolutionLinkBase):
    """Two-dimensional convolution layer holding ``W (out, in / groups, kh, kw)`` and ``b``.

    Besides ``Convolution2D(in_channels, out_channels, ksize)``, Chainer's short forms work:
    ``Convolution2D(out_channels, ksize)`` and ``Convolution2D(None, out_channels, ksize)``
    take ``in_channels`` from the first input (give the later arguments by keyword after the
    two-argument form).

    Args:
        in_channels (int or None): Input channels; None defers ``W`` to the first call.
        out_channels (int): Output channels.
        ksize (int or pair of ints): Kernel size.
        stride (int or pair of ints): Stride.
        pad (int or pair of ints): Zero padding on both sides.
        nobias (bool): No bias (``b`` is None).
        initialW: Initializer, scalar, array or name for ``W``; LeCunNormal by default.
        initial_bias: Same for ``b``; zeros by default.
        dilate (int or pair of ints): Dilation of the kernel.
        groups (int): Number of channel groups convolved independently.

    Attributes:
        W (Parameter): Weight ``(out_channels, in_channels / groups, kh, kw)``.
        b (Parameter or None): Bias ``(out_channels,)``.
        out_channels (int), ksize, stride, pad, dilate (pairs of ints), groups (int).

    Example:
        >>> x = numpy.zeros((1, 3, 10, 10), 'f')
        >>> L.Convolution2D(3, 7, 5)(x).shape
        (1, 7, 6, 6)
        >>> L.Convolution2D(7, 5, stride=2, pad=2)(x).shape
        (1, 7, 5, 5)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None, *, dilate=1, groups=1):
        super().__init__()
        self._setup(2, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                    initial_bias, dilate, groups)

    def forward(self, x):
        """Convolves ``x`` ``(N, in_channels, h, w)`` into ``(N, out_channels, h', w')``.

        Example:
            >>> y = conv(x)  # doctest: +SKIP
        """
        if self.W.array is None:
            self._initialize_from(x)
        return convolution_2d(x, self.W, self.b, self.stride, self.pad, dilate=self.dilate,
                              groups=self.groups)
