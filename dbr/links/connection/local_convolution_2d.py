"""``LocalConvolution2D``: the locally connected (unshared-weight) convolution layer."""
from dbr import initializers
from dbr import link
from dbr.functions.connection import _im2col
from dbr.functions.connection.local_convolution_2d import local_convolution_2d
from dbr.links.connection._convolution import check_input_ndim
from dbr.links.connection._params import check_size, get_initializer
from dbr.variable import Parameter

_LABEL = 'LocalConvolution2D'


class LocalConvolution2D(link.Link):
    """Locally connected layer holding ``W (out, h_O, w_O, in, kh, kw)`` and
    ``b (out, h_O, w_O)``: a filter bank per output position.

    The output size follows from the input size ``in_size``, ``ksize`` and ``stride`` (no
    padding): ``h_O = (h - kh) // sy + 1``. When ``in_channels`` or ``in_size`` is None, both
    parameters wait for the first input, which supplies them.

    Args:
        in_channels (int or None): Input channels.
        out_channels (int): Output channels.
        in_size (int or pair of ints or None): Input height and width.
        ksize (int or pair of ints): Kernel size (required).
        stride (int or pair of ints): Stride.
        nobias (bool): No bias (``b`` is None).
        initialW: Initializer, scalar, array or name for ``W``; LeCunNormal by default.
        initial_bias: Same for ``b``; zeros by default.

    Attributes:
        W (Parameter): Weight ``(out_channels, h_O, w_O, in_channels, kh, kw)``.
        b (Parameter or None): Bias ``(out_channels, h_O, w_O)``.
        out_channels (int), ksize, stride (pairs of ints).

    Example:
        >>> layer = L.LocalConvolution2D(3, 2, in_size=7, ksize=3)
        >>> layer.W.shape
        (2, 5, 5, 3, 3, 3)
        >>> layer(numpy.zeros((4, 3, 7, 7), 'f')).shape
        (4, 2, 5, 5)
    """

    def __init__(self, in_channels, out_channels, in_size=None, ksize=None, stride=1,
                 nobias=False, initialW=None, initial_bias=None):
        super().__init__()
        if ksize is None:
            raise TypeError(f'{_LABEL}: ksize is required, as in {_LABEL}(in_channels, '
                            f'out_channels, in_size, ksize)')
        in_channels = check_size(in_channels, 'in_channels', _LABEL, allow_none=True)
        self.out_channels = check_size(out_channels, 'out_channels', _LABEL)
        self.ksize = _im2col.as_tuple(ksize, 2, 'ksize', _LABEL, 1)
        self.stride = _im2col.as_tuple(stride, 2, 'stride', _LABEL, 1)
        w_shape = b_shape = None
        if in_channels is not None and in_size is not None:
            w_shape, b_shape = self._shapes(in_channels,
                                            _im2col.as_tuple(in_size, 2, 'in_size', _LABEL, 1))
        with self.init_scope():
            self.W = Parameter(get_initializer(initialW, initializers.LeCunNormal(), _LABEL,
                                               'initialW', w_shape), w_shape)
            if nobias:
                self.b = None
            else:
                self.b = Parameter(get_initializer(initial_bias, initializers.Zero(), _LABEL,
                                                   'initial_bias', b_shape), b_shape)

    def _shapes(self, in_channels, in_size):
        out = tuple((size - k) // s + 1 for size, k, s in zip(in_size, self.ksize, self.stride))
        if min(out) < 1:
            raise ValueError(f'{_LABEL}: ksize {self.ksize} does not fit the input size '
                             f'{tuple(in_size)}')
        return ((self.out_channels,) + out + (in_channels,) + self.ksize,
                (self.out_channels,) + out)

    def forward(self, x):
        """Applies the layer to ``x`` ``(N, in_channels, h, w)``: ``(N, out_channels, h_O, w_O)``.

        Example:
            >>> y = layer(x)  # doctest: +SKIP
        """
        if self.W.array is None:
            check_input_ndim(x, 2, _LABEL)
            w_shape, b_shape = self._shapes(x.shape[1], x.shape[2:])
            self.W.initialize(w_shape)
            if self.b is not None:
                self.b.initialize(b_shape)
        return local_convolution_2d(x, self.W, self.b, self.stride)
