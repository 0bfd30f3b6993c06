"""``Deconvolution2D``: the two-dimensional transposed convolution layer."""
from dbr.functions.connection import _im2col
from dbr.functions.connection.deconvolution_2d import deconvolution_2d
from dbr.links.connection._convolution import ConvolutionLinkBase


class Deconvolution2D(ConvolutionLinkBase):
    """Two-dimensional deconvolution layer holding ``W (in, out / groups, kh, kw)`` and ``b``.

    The argument forms are those of :class:`Convolution2D`: ``Deconvolution2D(out_channels,
    ksize)`` and ``Deconvolution2D(None, out_channels, ksize)`` defer ``W`` to the first call.

    Args:
        in_channels (int or None): Input channels; None defers ``W`` to the first call.
        out_channels (int): Output channels.
        ksize (int or pair of ints): Kernel size.
        stride (int or pair of ints): Stride (the upsampling factor).
        pad (int or pair of ints): Padding removed from both sides of the output.
        nobias (bool): No bias (``b`` is None).
        outsize (pair of ints or None): Output size; None for the smallest,
            ``stride * (h - 1) + (kh - 1) * dilate + 1 - 2 * pad``.
        initialW: Initializer, scalar, array or name for ``W``; LeCunNormal by default.
        initial_bias: Same for ``b``; zeros by default.
        dilate (int or pair of ints): Dilation of the kernel.
        groups (int): Number of channel groups.

    Attributes:
        W (Parameter): Weight ``(in_channels, out_channels / groups, kh, kw)``.
        b (Parameter or None): Bias ``(out_channels,)``.

    Example:
        >>> x = numpy.zeros((1, 3, 10, 10), 'f')
        >>> L.Deconvolution2D(3, 7, 4)(x).shape
        (1, 7, 13, 13)
        >>> L.Deconvolution2D(7, 4, stride=2, pad=1)(x).shape
        (1, 7, 20, 20)
    """

    _transposed = True

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 outsize=None, initialW=None, initial_bias=None, *, dilate=1, groups=1):
        super().__init__()
        self._setup(2, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                    initial_bias, dilate, groups)
        self.outsize = (None if outsize is None
                        else _im2col.as_tuple(outsize, 2, 'outsize', 'Deconvolution2D', 1))

    def forward(self, x):
        """Deconvolves ``x`` ``(N, in_channels, h, w)`` into ``(N, out_channels, h', w')``.

        Example:
            >>> y = deconv(x)  # doctest: +SKIP
        """
        if self.W.array is None:
            self._initialize_from(x)
        return deconvolution_2d(x, self.W, self.b, self.stride, self.pad, self.outsize,
                                self.dilate, self.groups)
