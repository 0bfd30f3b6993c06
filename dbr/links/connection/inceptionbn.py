"""``InceptionBN``: the inception module of GoogLeNet with batch normalization."""
import numpy

from dbr import link
from dbr.functions.activation.relu import relu
from dbr.functions.array.concat import concat
from dbr.functions.pooling.average_pooling_2d import average_pooling_2d
from dbr.functions.pooling.max_pooling_2d import max_pooling_2d
from dbr.links.connection.convolution_2d import Convolution2D
from dbr.links.normalization.batch_normalization import BatchNormalization


class InceptionBN(link.Chain):
    """Inception module with batch normalization (Ioffe and Szegedy, 2015).

    Like :class:`Inception`, but every convolution (without bias) is followed by a
    :class:`BatchNormalization` and ReLU, the 5x5 path is two 3x3 convolutions, the pooling
    is max or average, and ``stride`` applies to the last convolution of each path and to the
    pooling. The paths, concatenated on the channel axis in this order:

    - ``conv1`` -> ``conv1n`` (only when ``out1 > 0``);
    - ``proj3`` -> ``proj3n`` -> ``conv3`` -> ``conv3n``;
    - ``proj33`` -> ``proj33n`` -> ``conv33a`` -> ``conv33an`` -> ``conv33b`` -> ``conv33bn``;
    - 3x3 pooling (pad 1), then ``poolp`` -> ``poolpn`` when ``proj_pool`` is given.

    Args:
        in_channels (int or None): Input channels; None defers them to the first call.
        out1 (int): Output channels of the 1x1 path; 0 drops the path.
        proj3 (int): Projection channels of the 3x3 path.
        out3 (int): Output channels of the 3x3 path.
        proj33 (int): Projection channels of the double 3x3 path.
        out33 (int): Output channels of the double 3x3 path.
        pooltype (str): ``'max'`` or ``'avg'``.
        proj_pool (int or None): Projection channels of the pooling path; None for none.
        stride (int): Stride of the last convolution of each path and of the pooling.
        conv_init: Initializer of every convolution's ``W``.
        dtype: Dtype of the batch normalizations' parameters and statistics.

    Attributes:
        out1, proj_pool, stride, pooltype: As given.

    Example:
        >>> inc = L.InceptionBN(3, 2, 2, 3, 2, 4, 'avg', proj_pool=5)
        >>> inc(numpy.ones((2, 3, 6, 6), 'f')).shape  # 2 + 3 + 4 + 5 channels
        (2, 14, 6, 6)
    """

    def __init__(self, in_channels, out1, proj3, out3, proj33, out33, pooltype, proj_pool=None,
                 stride=1, conv_init=None, dtype=numpy.float32):
        if pooltype not in ('max', 'avg'):
            raise ValueError(f"InceptionBN: pooltype must be 'max' or 'avg', got {pooltype!r}")
        if out1 > 0 and (stride != 1 or proj_pool is None):
            raise ValueError(f'InceptionBN: a 1x1 path (out1={out1}) needs stride 1 and a '
                             f'proj_pool, got stride={stride}, proj_pool={proj_pool}')
        super().__init__()
        self.out1 = out1
        self.proj_pool = proj_pool
        self.stride = stride
        self.pooltype = pooltype
        with self.init_scope():
            self.proj3 = Convolution2D(in_channels, proj3, 1, nobias=True, initialW=conv_init)
            self.conv3 = Convolution2D(proj3, out3, 3, pad=1, stride=stride, nobias=True,
                                       initialW=conv_init)
            self.proj33 = Convolution2D(in_channels, proj33, 1, nobias=True, initialW=conv_init)
            self.conv33a = Convolution2D(proj33, out33, 3, pad=1, nobias=True,
                                         initialW=conv_init)
            self.conv33b = Convolution2D(out33, out33, 3, pad=1, stride=stride, nobias=True,
                                         initialW=conv_init)
            self.proj3n = BatchNormalization(proj3, dtype=dtype)
            self.conv3n = BatchNormalization(out3, dtype=dtype)
            self.proj33n = BatchNormalization(proj33, dtype=dtype)
            self.conv33an = BatchNormalization(out33, dtype=dtype)
            self.conv33bn = BatchNormalization(out33, dtype=dtype)
            if out1 > 0:
                self.conv1 = Convolution2D(in_channels, out1, 1, stride=stride, nobias=True,
                                           initialW=conv_init)
                self.conv1n = BatchNormalization(out1, dtype=dtype)
            if proj_pool is not None:
                self.poolp = Convolution2D(in_channels, proj_pool, 1, nobias=True,
                                           initialW=conv_init)
                self.poolpn = BatchNormalization(proj_pool, dtype=dtype)

    def forward(self, x):
        """Applies the module.

        Args:
            x: Input ``(N, in_channels, h, w)``.

        Returns:
            Variable: ``(N, c, h', w')`` with ``c`` the sum of the paths' channels
            (``out1``, ``out3``, ``out33``, and ``proj_pool`` or ``in_channels``).

        Example:
            >>> y = inc(x)  # doctest: +SKIP
        """
        outs = []
        if self.out1 > 0:
            outs.append(relu(self.conv1n(self.conv1(x))))
        h3 = relu(self.proj3n(self.proj3(x)))
        outs.append(relu(self.conv3n(self.conv3(h3))))
        h33 = relu(self.proj33n(self.proj33(x)))
        h33 = relu(self.conv33an(self.conv33a(h33)))
        outs.append(relu(self.conv33bn(self.conv33b(h33))))
        if self.pooltype == 'max':
            p = max_pooling_2d(x, 3, stride=self.stride, pad=1, cover_all=False)
        else:
            p = average_pooling_2d(x, 3, stride=self.stride, pad=1)
        if self.proj_pool is not None:
            p = relu(self.poolpn(self.poolp(p)))
        outs.append(p)
        return concat(outs, axis=1)
