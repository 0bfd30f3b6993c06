"""ResNet-50/101/152 (He et al., 2016) with Chainer's layer names, for Chainer-converted weights.

``ResNet50Layers``, ``ResNet101Layers`` and ``ResNet152Layers`` keep Chainer's child names
(``conv1``, ``bn1``, ``res2`` ... ``res5``, ``fc6``; each ``resN`` a :class:`BuildingBlock` of a
:class:`BottleneckA` ``a`` and :class:`BottleneckB` ``b1``, ``b2``, ...), so the npz that Chainer
converted from MSRA's Caffe model loads with ``dbr.serializers.load_npz``.
"""
import collections

from dbr import link
from dbr.functions.activation.relu import relu
from dbr.functions.activation.softmax import softmax
from dbr.functions.math.mean import mean
from dbr.functions.pooling.max_pooling_2d import max_pooling_2d
from dbr.initializers import HeNormal, Zero
from dbr.links.connection.convolution_2d import Convolution2D
from dbr.links.connection.linear import Linear
from dbr.links.model.vision import _pretrained
from dbr.links.normalization.batch_normalization import BatchNormalization

# The mean pixel (BGR) that MSRA's models were trained with; it differs slightly from VGG's.
RESNET_BGR_MEAN = (103.063, 115.903, 123.152)

# Bottlenecks per stage (res2..res5) for each depth.
_STAGES = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


class BottleneckA(link.Chain):
    """A bottleneck that changes the channel count (and usually the resolution).

    ``relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + bn4(conv4(x)))``: 1x1, 3x3 and
    1x1 convolutions on the main path, a strided 1x1 projection (``conv4``) on the shortcut; no
    convolution has a bias.

    Args:
        in_channels (int): Input channels.
        mid_channels (int): Channels of the 3x3 convolution.
        out_channels (int): Output channels.
        stride (int or pair of ints): Downsampling stride.
        initialW: Initializer of the convolutions' weights.
        downsample_fb (bool): Put the stride on the 3x3 convolution (Facebook's ResNet) instead
            of the first 1x1 convolution (MSRA's original, which the converted weights expect).

    Example:
        >>> block = BottleneckA(4, 2, 8, stride=2)
        >>> block(numpy.zeros((1, 4, 6, 6), 'f')).shape
        (1, 8, 3, 3)
    """

    def __init__(self, in_channels, mid_channels, out_channels, stride=2, initialW=None,
                 downsample_fb=False):
        super().__init__()
        stride_1x1, stride_3x3 = (1, stride) if downsample_fb else (stride, 1)
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, mid_channels, 1, stride_1x1, 0,
                                       initialW=initialW, nobias=True)
            self.bn1 = BatchNormalization(mid_channels)
            self.conv2 = Convolution2D(mid_channels, mid_channels, 3, stride_3x3, 1,
                                       initialW=initialW, nobias=True)
            self.bn2 = BatchNormalization(mid_channels)
            self.conv3 = Convolution2D(mid_channels, out_channels, 1, 1, 0, initialW=initialW,
                                       nobias=True)
            self.bn3 = BatchNormalization(out_channels)
            self.conv4 = Convolution2D(in_channels, out_channels, 1, stride, 0,
                                       initialW=initialW, nobias=True)
            self.bn4 = BatchNormalization(out_channels)

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        h = relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return relu(h + self.bn4(self.conv4(x)))


class BottleneckB(link.Chain):
    """A bottleneck that keeps the shape: ``relu(x + bn3(conv3(relu(bn2(conv2(...))))))``.

    Args:
        in_channels (int): Input (and output) channels.
        mid_channels (int): Channels of the 3x3 convolution.
        initialW: Initializer of the convolutions' weights.

    Example:
        >>> block = BottleneckB(4, 2)
        >>> block(numpy.zeros((1, 4, 5, 5), 'f')).shape
        (1, 4, 5, 5)
    """

    def __init__(self, in_channels, mid_channels, initialW=None):
        super().__init__()
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, mid_channels, 1, 1, 0, initialW=initialW,
                                       nobias=True)
            self.bn1 = BatchNormalization(mid_channels)
            self.conv2 = Convolution2D(mid_channels, mid_channels, 3, 1, 1, initialW=initialW,
                                       nobias=True)
            self.bn2 = BatchNormalization(mid_channels)
            self.conv3 = Convolution2D(mid_channels, in_channels, 1, 1, 0, initialW=initialW,
                                       nobias=True)
            self.bn3 = BatchNormalization(in_channels)

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        h = relu(self.bn2(self.conv2(h)))
        return relu(self.bn3(self.conv3(h)) + x)


class BuildingBlock(link.Chain):
    """One ResNet stage: a :class:`BottleneckA` ``a``, then ``n_layer - 1`` :class:`BottleneckB`
    named ``b1``, ``b2``, ...

    Args:
        n_layer (int): Number of bottlenecks.
        in_channels (int): Input channels.
        mid_channels (int): Channels of the 3x3 convolutions.
        out_channels (int): Output channels.
        stride (int or pair of ints): Stride of the first bottleneck.
        initialW: Initializer of the convolutions' weights.
        downsample_fb (bool): See :class:`BottleneckA`.

    Example:
        >>> stage = BuildingBlock(3, 4, 2, 8, 2)
        >>> [name for name, _ in stage.namedlinks(skipself=True) if name.count('/') == 1]
        ['/a', '/b1', '/b2']
    """

    def __init__(self, n_layer, in_channels, mid_channels, out_channels, stride, initialW=None,
                 downsample_fb=False):
        super().__init__()
        if n_layer < 1:
            raise ValueError(f'BuildingBlock: n_layer must be at least 1, got {n_layer}')
        self._layer_names = ['a'] + [f'b{i}' for i in range(1, n_layer)]
        with self.init_scope():
            self.a = BottleneckA(in_channels, mid_channels, out_channels, stride, initialW,
                                 downsample_fb)
            for name in self._layer_names[1:]:
                setattr(self, name, BottleneckB(out_channels, mid_channels, initialW))

    def forward(self, x):
        for name in self._layer_names:
            x = getattr(self, name)(x)
        return x


def _global_average_pooling_2d(x):
    """Averages each channel over the whole image: ``(n, c, h, w)`` -> ``(n, c)``."""
    return mean(x, axis=(2, 3))


def prepare(image, size=(224, 224)):
    """Converts an RGB image into an input of the ResNets.

    Resizes to ``size`` (width, height), turns RGB into BGR, subtracts MSRA's mean pixel and
    transposes to CHW.

    Args:
        image: An RGB image: ``(H, W, 3)`` (or ``(3, H, W)``) array, a grayscale ``(H, W)``
            array, or a PIL image.
        size (pair of ints): ``(width, height)`` of the result; None keeps the size.

    Returns:
        numpy.ndarray: float32 array of shape ``(3, height, width)``.

    Example:
        >>> prepare(numpy.zeros((10, 20, 3), numpy.uint8), size=(8, 4)).shape
        (3, 4, 8)
    """
    return _pretrained.prepare(image, size, RESNET_BGR_MEAN)


class ResNetLayers(_pretrained.ImageNetLayers):
    """ResNet with 50, 101 or 152 layers trained on ImageNet by MSRA (He et al., 2016).

    ``forward`` runs the layers in :attr:`functions` order and returns the requested feature
    maps. Batch normalization normalizes with the batch's statistics in training mode and with
    the running statistics (``avg_mean``, ``avg_var``) under ``using_config('train', False)``,
    which ``predict`` sets; use it for ``forward`` and ``extract`` with pretrained weights.

    Args:
        pretrained_model (str or None): ``'auto'`` loads the Chainer-converted npz
            ``<dataset root>/pfnet/chainer/models/ResNet-<n_layers>-model.npz`` (a clear
            error when it is missing: converting MSRA's caffemodel is not supported); a path
            loads that npz; None initializes randomly (convolutions with
            ``HeNormal(scale=1.0)``, as in the paper).
        n_layers (int): 50, 101 or 152.
        downsample_fb (bool): Put the downsampling stride on the 3x3 convolutions (Facebook's
            ResNet) instead of the 1x1 ones (MSRA's original, the default).

    Attributes:
        available_layers (list of str): Layer names that ``forward`` and ``extract`` accept.
    """

    _prepare = staticmethod(prepare)
    _extract_layers = ('pool5',)

    def __init__(self, pretrained_model, n_layers, downsample_fb=False):
        super().__init__()
        stages = _STAGES.get(n_layers)
        if stages is None:
            raise ValueError(f'ResNetLayers: n_layers must be 50, 101 or 152, got {n_layers!r}')
        label = f'ResNet{n_layers}Layers'
        path = _pretrained.resolve(pretrained_model, f'ResNet-{n_layers}-model', label)
        # the file overwrites every weight, so skip drawing tens of millions of normals
        initialW = Zero() if path else HeNormal(scale=1.0)
        init = dict(initialW=initialW, downsample_fb=downsample_fb)
        with self.init_scope():
            self.conv1 = Convolution2D(3, 64, 7, 2, 3, initialW=initialW)
            self.bn1 = BatchNormalization(64)
            self.res2 = BuildingBlock(stages[0], 64, 64, 256, 1, **init)
            self.res3 = BuildingBlock(stages[1], 256, 128, 512, 2, **init)
            self.res4 = BuildingBlock(stages[2], 512, 256, 1024, 2, **init)
            self.res5 = BuildingBlock(stages[3], 1024, 512, 2048, 2, **init)
            self.fc6 = Linear(2048, 1000)
        if path:
            _pretrained.load(self, path)

    @property
    def functions(self):
        """collections.OrderedDict: Each layer name -> the callables that compute it from the
        previous layer's output."""
        return collections.OrderedDict([
            ('conv1', [self.conv1, self.bn1, relu]),
            ('pool1', [lambda x: max_pooling_2d(x, ksize=3, stride=2)]),
            ('res2', [self.res2]),
            ('res3', [self.res3]),
            ('res4', [self.res4]),
            ('res5', [self.res5]),
            ('pool5', [_global_average_pooling_2d]),
            ('fc6', [self.fc6]),
            ('prob', [softmax]),
        ])



class ResNet50Layers(ResNetLayers):
    """ResNet-50 (stages of 3, 4, 6 and 3 bottlenecks; 25,557,096 parameters).

    Args:
        pretrained_model (str or None): ``'auto'``, an npz path or None; see
            :class:`ResNetLayers`.
        downsample_fb (bool): See :class:`ResNetLayers`.

    Example:
        >>> model = L.ResNet50Layers(pretrained_model=None)
        >>> with dbr.using_config('train', False):  # doctest: +SKIP
        ...     feature = model(x, layers=['pool5'])['pool5']  # (n, 2048)
    """

    def __init__(self, pretrained_model='auto', downsample_fb=False):
        super().__init__(pretrained_model, 50, downsample_fb)


class ResNet101Layers(ResNetLayers):
    """ResNet-101 (stages of 3, 4, 23 and 3 bottlenecks; 44,549,224 parameters).

    Args:
        pretrained_model (str or None): ``'auto'``, an npz path or None; see
            :class:`ResNetLayers`.
        downsample_fb (bool): See :class:`ResNetLayers`.

    Example:
        >>> model = L.ResNet101Layers(pretrained_model=None)  # doctest: +SKIP
    """

    def __init__(self, pretrained_model='auto', downsample_fb=False):
        super().__init__(pretrained_model, 101, downsample_fb)


class ResNet152Layers(ResNetLayers):
    """ResNet-152 (stages of 3, 8, 36 and 3 bottlenecks; 60,192,872 parameters).

    Args:
        pretrained_model (str or None): ``'auto'``, an npz path or None; see
            :class:`ResNetLayers`.
        downsample_fb (bool): See :class:`ResNetLayers`.

    Example:
        >>> model = L.ResNet152Layers(pretrained_model=None)  # doctest: +SKIP
    """

    def __init__(self, pretrained_model='auto', downsample_fb=False):
        super().__init__(pretrained_model, 152, downsample_fb)
