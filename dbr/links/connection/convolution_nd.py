"""``ConvolutionND`` and its fixed-dimension forms ``Convolution1D`` and ``Convolution3D``."""
from dbr.functions.connection.convolution_nd import _convolution
from dbr.links.connection._convolution import ConvolutionLinkBase
from dbr.links.connection._params import check_size


class ConvolutionND(ConvolutionLinkBase):
    """N-dimensional convolution layer holding ``W (out, in / groups, *ksize)`` and ``b``.

    ``ConvolutionND(ndim, out_channels, ksize)`` and ``ConvolutionND(ndim, None, out_channels,
    ksize)`` take ``in_channels`` from the first input, as in :class:`Convolution2D`.

    Args:
        ndim (int): Number of spatial axes.
        in_channels (int or None): Input channels; None defers ``W`` to the first call.
        out_channels (int): Output channels.
        ksize (int or tuple of ints): Kernel size.
        stride (int or tuple of ints): Stride.
        pad (int or tuple of ints): Zero padding on both sides.
        nobias (bool): No bias (``b`` is None).
        initialW: Initializer, scalar, array or name for ``W``; LeCunNormal by default.
        initial_bias: Same for ``b``; zeros by default.
        cover_all (bool): Round output sizes up so that every input position is covered.
        dilate (int or tuple of ints): Dilation of the kernel.
        groups (int): Number of channel groups convolved independently.

    Attributes:
        W (Parameter): Weight ``(out_channels, in_channels / groups, *ksize)``.
        b (Parameter or None): Bias ``(out_channels,)``.

    Example:
        >>> conv = L.ConvolutionND(3, 2, 4, 3, pad=1)
        >>> conv(numpy.zeros((1, 2, 5, 5, 5), 'f')).shape
        (1, 4, 5, 5, 5)
    """

    def __init__(self, ndim, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, initialW=None, initial_bias=None, cover_all=False, dilate=1,
                 groups=1):
        super().__init__()
        self.ndim = check_size(ndim, 'ndim', type(self).__name__)
        self.cover_all = bool(cover_all)
        self._setup(self.ndim, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                    initial_bias, dilate, groups)

    def forward(self, x):
        """Convolves ``x`` ``(N, in_channels, d_1, ..., d_ndim)``.

        Example:
            >>> y = conv(x)  # doctest: +SKIP
        """
        if self.W.array is None:
            self._initialize_from(x)
        return _convolution(x, self.W, self.b, self.stride, self.pad, self.cover_all,
                            self.dilate, self.groups, self.ndim, 'convolution_nd')


class Convolution1D(ConvolutionND):
    """One-dimensional convolution layer: :class:`ConvolutionND` with ``ndim=1``.

    Example:
        >>> L.Convolution1D(3, 4, 3)(numpy.zeros((2, 3, 10), 'f')).shape
        (2, 4, 8)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None, cover_all=False, dilate=1, groups=1):
        super().__init__(1, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                         initial_bias, cover_all, dilate, groups)


class Convolution3D(ConvolutionND):
    """Three-dimensional convolution layer: :class:`ConvolutionND` with ``ndim=3``.

    Example:
        >>> L.Convolution3D(2, 3, 3)(numpy.zeros((1, 2, 4, 4, 4), 'f')).shape
        (1, 3, 2, 2, 2)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None, cover_all=False, dilate=1, groups=1):
        super().__init__(3, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                         initial_bias, cover_all, dilate, groups)
