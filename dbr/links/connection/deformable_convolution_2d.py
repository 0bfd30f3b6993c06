"""``DeformableConvolution2D``: a convolution whose sampling grid is shifted by learned offsets."""
from dbr import initializers
from dbr import link
from dbr.functions.connection import _im2col
from dbr.functions.connection.deformable_convolution_2d_sampler import \
    deformable_convolution_2d_sampler
from dbr.links.connection._convolution import ConvolutionLinkBase
from dbr.links.connection.convolution_2d import Convolution2D


class DeformableConvolution2DSampler(ConvolutionLinkBase):
    """The deforming half of :class:`DeformableConvolution2D`: ``W (out, in, kh, kw)`` and
    ``b`` applied by :func:`deformable_convolution_2d_sampler` at the offsets it is given.

    As in Chainer, ``W`` starts at zero unless ``initialW`` says otherwise.

    Args:
        in_channels (int or None): Input channels; None defers ``W`` to the first call.
        out_channels (int): Output channels.
        ksize (int or pair of ints): Kernel size.
        stride (int or pair of ints): Stride.
        pad (int or pair of ints): Zero padding on both sides.
        nobias (bool): No bias (``b`` is None).
        initialW: Initializer, scalar, array or name for ``W``; zeros by default.
        initial_bias: Same for ``b``; zeros by default.

    Example:
        >>> s = DeformableConvolution2DSampler(3, 4, 3)
        >>> s(numpy.ones((1, 3, 5, 5), 'f'), numpy.zeros((1, 18, 3, 3), 'f')).shape
        (1, 4, 3, 3)
    """

    def __init__(self, in_channels, out_channels, ksize, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None):
        super().__init__()
        if initialW is None:
            initialW = initializers.Zero()
        self._setup(2, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                    initial_bias, 1, 1)

    def forward(self, x, offset):
        """Samples ``x`` at the kernel positions moved by ``offset`` and convolves.

        Example:
            >>> y = sampler(x, offset)  # doctest: +SKIP
        """
        if self.W.array is None:
            self._initialize_from(x)
        return deformable_convolution_2d_sampler(x, offset, self.W, self.b, self.stride,
                                                 self.pad)


class DeformableConvolution2D(link.Chain):
    """Deformable convolution layer (Dai et al., 2017): a convolution predicts the sampling
    offsets, and a deformable convolution samples the input at them.

    Children, named as in Chainer so that saved parameters match: ``offset_conv``, a
    :class:`Convolution2D` to ``2 * kh * kw`` channels with the same ``ksize``, ``stride`` and
    ``pad``; ``deform_conv``, which holds ``W (out_channels, in_channels, kh, kw)`` (zeros by
    default, as in Chainer) and ``b``.

    Args:
        in_channels (int or None): Input channels; None defers both weights to the first call.
        out_channels (int): Output channels.
        ksize (int or pair of ints): Kernel size.
        stride (int or pair of ints): Stride.
        pad (int or pair of ints): Zero padding on both sides.
        offset_nobias (bool): No bias in ``offset_conv``.
        offset_initialW: Initializer of ``offset_conv.W`` (LeCunNormal by default).
        offset_initial_bias: Initializer of ``offset_conv.b`` (zeros by default).
        deform_nobias (bool): No bias in ``deform_conv``.
        deform_initialW: Initializer of ``deform_conv.W`` (zeros by default).
        deform_initial_bias: Initializer of ``deform_conv.b`` (zeros by default).

    Example:
        >>> layer = L.DeformableConvolution2D(3, 4, 3, pad=1)
        >>> layer(numpy.ones((2, 3, 5, 5), 'f')).shape
        (2, 4, 5, 5)
    """

    def __init__(self, in_channels, out_channels, ksize, stride=1, pad=0, offset_nobias=False,
                 offset_initialW=None, offset_initial_bias=None, deform_nobias=False,
                 deform_initialW=None, deform_initial_bias=None):
        super().__init__()
        kh, kw = _im2col.as_tuple(ksize, 2, 'ksize', type(self).__name__, 1)
        with self.init_scope():
            self.offset_conv = Convolution2D(in_channels, 2 * kh * kw, ksize, stride, pad,
                                             offset_nobias, offset_initialW,
                                             offset_initial_bias)
            self.deform_conv = DeformableConvolution2DSampler(
                in_channels, out_channels, ksize, stride, pad, deform_nobias, deform_initialW,
                deform_initial_bias)

    def forward(self, x):
        """Predicts the offsets from ``x`` and applies the deformable convolution.

        Args:
            x: Input ``(N, in_channels, h, w)``.

        Returns:
            Variable: ``(N, out_channels, h', w')``.

        Example:
            >>> y = layer(x)  # doctest: +SKIP
        """
        return self.deform_conv(x, self.offset_conv(x))
