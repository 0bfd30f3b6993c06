"""``DilatedConvolution2D``: the two-dimensional dilated (atrous) convolution layer."""
from dbr.functions.connection.dilated_convolution_2d import dilated_convolution_2d
from dbr.links.connection._convolution import ConvolutionLinkBase


class DilatedConvolution2D(ConvolutionLinkBase):
    """Two-dimensional dilated convolution layer holding ``W (out, in, kh, kw)`` and ``b``.

    Besides ``DilatedConvolution2D(in_channels, out_channels, ksize)``, Chainer's short forms
    work: ``DilatedConvolution2D(out_channels, ksize)`` and
    ``DilatedConvolution2D(None, out_channels, ksize)`` take ``in_channels`` from the first
    input (give the later arguments by keyword after the two-argument form).

    Args:
        in_channels (int or None): Input channels; None defers ``W`` to the first call.
        out_channels (int): Output channels.
        ksize (int or pair of ints): Kernel size.
        stride (int or pair of ints): Stride.
        pad (int or pair of ints): Zero padding on both sides.
        dilate (int or pair of ints): Spacing between kernel taps.
        nobias (bool): No bias (``b`` is None).
        initialW: Initializer, scalar, array or name for ``W``; LeCunNormal by default.
        initial_bias: Same for ``b``; zeros by default.

    Attributes:
        W (Parameter): Weight ``(out_channels, in_channels, kh, kw)``.
        b (Parameter or None): Bias ``(out_channels,)``.
        out_channels (int), ksize, stride, pad, dilate (pairs of ints).

    Example:
        >>> conv = L.DilatedConvolution2D(3, 4, 3, pad=2, dilate=2)
        >>> conv(numpy.zeros((1, 3, 8, 8), 'f')).shape
        (1, 4, 8, 8)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, dilate=1,
                 nobias=False, initialW=None, initial_bias=None):
        super().__init__()
        self._setup(2, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                    initial_bias, dilate, 1)

    def forward(self, x):
        """Convolves ``x`` ``(N, in_channels, h, w)`` into ``(N, out_channels, h', w')``.

        Example:
            >>> y = conv(x)  # doctest: +SKIP
        """
        if self.W.array is None:
            self._initialize_from(x)
        return dilated_convolution_2d(x, self.W, self.b, self.stride, self.pad, self.dilate)
