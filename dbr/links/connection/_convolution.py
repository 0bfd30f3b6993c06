"""What the convolution and deconvolution links share: argument forms, parameters, lazy ``W``."""
from dbr import initializers
from dbr import link
from dbr import type_check
from dbr.functions.connection import _im2col
from dbr.links.connection._params import check_size, get_initializer
from dbr.variable import Parameter


def check_input_ndim(x, ndim, label):
    """Raises unless ``x`` has a batch axis, a channel axis and ``ndim`` spatial axes.

    Run before a lazy ``W`` takes its input channels from ``x.shape[1]``, so that a wrong input
    leaves the link uninitialized and names the link.
    """
    if x.ndim != ndim + 2:
        raise type_check.InvalidType(f'x.ndim == {ndim + 2} (batch, channel and {ndim} spatial '
                                     f'axes)', f'x.shape={tuple(x.shape)}', label)


class ConvolutionLinkBase(link.Link):
    """Base of the (de)convolution links: ``W``, ``b`` and the deferred input channels.

    Subclasses call :meth:`_setup` from ``__init__`` and :meth:`_initialize_from` from
    ``forward`` while ``W`` is uninitialized.
    """

    # Deconvolutions store W as (in, out / groups, *k), convolutions as (out, in / groups, *k).
    _transposed = False

    def _setup(self, ndim, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
               initial_bias, dilate, groups):
        label = type(self).__name__
        given = f'in_channels={in_channels!r}, out_channels={out_channels!r}, ksize={ksize!r}'
        if ksize is None:
            # Chainer's short form ``Convolution2D(out_channels, ksize)``: in_channels is lazy.
            in_channels, out_channels, ksize = None, in_channels, out_channels
        if ksize is None or out_channels is None:
            raise TypeError(f'{label}: out_channels and ksize are required, as in '
                            f'{label}(in_channels, out_channels, ksize) or '
                            f'{label}(out_channels, ksize); got {given}')
        in_channels = check_size(in_channels, 'in_channels', label, allow_none=True)
        self.out_channels = check_size(out_channels, 'out_channels', label)
        self.ksize = _im2col.as_tuple(ksize, ndim, 'ksize', label, 1)
        self.stride = _im2col.as_tuple(stride, ndim, 'stride', label, 1)
        self.pad = _im2col.as_tuple(pad, ndim, 'pad', label, 0)
        self.dilate = _im2col.as_tuple(dilate, ndim, 'dilate', label, 1)
        self.groups = _im2col.as_groups(groups, label)
        if self.out_channels % self.groups:
            raise ValueError(f'{label}: out_channels ({self.out_channels}) must be divisible by '
                             f'groups ({self.groups})')
        w_shape = None if in_channels is None else self._w_shape(in_channels)
        with self.init_scope():
            self.W = Parameter(get_initializer(initialW, initializers.LeCunNormal(), label,
                                               'initialW', w_shape), w_shape)
            if nobias:
                self.b = None
            else:
                self.b = Parameter(get_initializer(initial_bias, initializers.Zero(), label,
                                                   'initial_bias', (self.out_channels,)),
                                   self.out_channels)

    def _w_shape(self, in_channels):
        if in_channels % self.groups:
            raise ValueError(f'{type(self).__name__}: in_channels ({in_channels}) must be '
                             f'divisible by groups ({self.groups})')
        if self._transposed:
            return (in_channels, self.out_channels // self.groups) + self.ksize
        return (self.out_channels, in_channels // self.groups) + self.ksize

    def _initialize_from(self, x):
        """Creates ``W`` with the input channels of the first input ``x``."""
        check_input_ndim(x, len(self.ksize), type(self).__name__)
        self.W.initialize(self._w_shape(x.shape[1]))
