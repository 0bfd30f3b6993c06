"""``DeconvolutionND`` and its fixed-dimension forms ``Deconvolution1D`` and ``Deconvolution3D``."""
from dbr.functions.connection import _im2col
from dbr.functions.connection.deconvolution_nd import _deconvolution
from dbr.links.connection._convolution import ConvolutionLinkBase
from dbr.links.connection._params import check_size


class DeconvolutionND(ConvolutionLinkBase):
    """N-dimensional deconvolution layer holding ``W (in, out / groups, *ksize)`` and ``b``.

    ``DeconvolutionND(ndim, out_channels, ksize)`` and ``DeconvolutionND(ndim, None,
    out_channels, ksize)`` take ``in_channels`` from the first input.

    Args:
        ndim (int): Number of spatial axes.
        in_channels (int or None): Input channels; None defers ``W`` to the first call.
        out_channels (int): Output channels.
        ksize (int or tuple of ints): Kernel size.
        stride (int or tuple of ints): Stride (the upsampling factor).
        pad (int or tuple of ints): Padding removed from both sides of the output.
        nobias (bool): No bias (``b`` is None).
        outsize (tuple of ints or None): Output size; None for the smallest one.
        initialW: Initializer, scalar, array or name for ``W``; LeCunNormal by default.
        initial_bias: Same for ``b``; zeros by default.
        dilate (int or tuple of ints): Dilation of the kernel.
        groups (int): Number of channel groups.

    Attributes:
        W (Parameter): Weight ``(in_channels, out_channels / groups, *ksize)``.
        b (Parameter or None): Bias ``(out_channels,)``.

    Example:
        >>> deconv = L.DeconvolutionND(3, 2, 4, 2, stride=2)
        >>> deconv(numpy.zeros((1, 2, 3, 3, 3), 'f')).shape
        (1, 4, 6, 6, 6)
    """

    _transposed = True

    def __init__(self, ndim, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, outsize=None, initialW=None, initial_bias=None, dilate=1,
                 groups=1):
        super().__init__()
        label = type(self).__name__
        self.ndim = check_size(ndim, 'ndim', label)
        self._setup(self.ndim, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                    initial_bias, dilate, groups)
        self.outsize = (None if outsize is None
                        else _im2col.as_tuple(outsize, self.ndim, 'outsize', label, 1))

    def forward(self, x):
        """Deconvolves ``x`` ``(N, in_channels, d_1, ..., d_ndim)``.

        Example:
            >>> y = deconv(x)  # doctest: +SKIP
        """
        if self.W.array is None:
            self._initialize_from(x)
        return _deconvolution(x, self.W, self.b, self.stride, self.pad, self.outsize,
                              self.dilate, self.groups, self.ndim, 'deconvolution_nd')


class Deconvolution1D(DeconvolutionND):
    """One-dimensional deconvolution layer: :class:`DeconvolutionND` with ``ndim=1``.

    Example:
        >>> L.Deconvolution1D(3, 4, 3)(numpy.zeros((2, 3, 8), 'f')).shape
        (2, 4, 10)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 outsize=None, initialW=None, initial_bias=None, dilate=1, groups=1):
        super().__init__(1, in_channels, out_channels, ksize, stride, pad, nobias, outsize,
                         initialW, initial_bias, dilate, groups)


class Deconvolution3D(DeconvolutionND):
    """Three-dimensional deconvolution layer: :class:`DeconvolutionND` with ``ndim=3``.

    Example:
        >>> L.Deconvolution3D(2, 3, 3)(numpy.zeros((1, 2, 2, 2, 2), 'f')).shape
        (1, 3, 4, 4, 4)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 outsize=None, initialW=None, initial_bias=None, dilate=1, groups=1):
        super().__init__(3, in_channels, out_channels, ksize, stride, pad, nobias, outsize,
                         initialW, initial_bias, dilate, groups)
