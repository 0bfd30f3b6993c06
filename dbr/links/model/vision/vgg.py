"""VGG16 and VGG19 (Simonyan & Zisserman) with Chainer's layer names, for Chainer-converted
Caffe weights."""
import collections

from dbr import initializers
from dbr.functions.activation.relu import relu
from dbr.functions.activation.softmax import softmax
from dbr.functions.noise.dropout import dropout
from dbr.functions.pooling.max_pooling_2d import max_pooling_2d
from dbr.links.connection.convolution_2d import Convolution2D
from dbr.links.connection.linear import Linear
from dbr.links.model.vision import _pretrained

# (name, in_channels, out_channels) of the convolutions, in order; VGG19 adds the *_4 ones.
_CONVS = {
    16: (('conv1_1', 3, 64), ('conv1_2', 64, 64), ('conv2_1', 64, 128), ('conv2_2', 128, 128),
         ('conv3_1', 128, 256), ('conv3_2', 256, 256), ('conv3_3', 256, 256),
         ('conv4_1', 256, 512), ('conv4_2', 512, 512), ('conv4_3', 512, 512),
         ('conv5_1', 512, 512), ('conv5_2', 512, 512), ('conv5_3', 512, 512)),
}
_CONVS[19] = (_CONVS[16][:7] + (('conv3_4', 256, 256),) + _CONVS[16][7:10]
              + (('conv4_4', 512, 512),) + _CONVS[16][10:] + (('conv5_4', 512, 512),))

_NPZ_NAMES = {16: 'VGG_ILSVRC_16_layers', 19: 'VGG_ILSVRC_19_layers'}


def _max_pooling_2d(x):
    return max_pooling_2d(x, ksize=2)


def prepare(image, size=(224, 224)):
    """Converts an RGB image into a VGG input: resized, BGR, mean-subtracted, CHW float32.

    Args:
        image: ``(H, W, 3)`` RGB array (or ``(3, H, W)``, ``(H, W)`` grayscale, or a
            PIL-style image with ``convert``), values on the 0..255 scale.
        size (pair of ints): ``(width, height)`` of the result, as PIL's ``resize`` takes
            it; None keeps the size.

    Returns:
        numpy.ndarray: ``(3, height, width)`` float32.

    Example:
        >>> prepare(numpy.zeros((300, 200, 3), numpy.uint8)).shape
        (3, 224, 224)
    """
    return _pretrained.prepare(image, size, _pretrained.VGG_BGR_MEAN)


class VGGLayers(_pretrained.ImageNetLayers):
    """VGG with ``n_layers`` (16 or 19) weight layers; use VGG16Layers or VGG19Layers.

    Children are named as in Chainer (``conv1_1`` ... ``conv5_3`` (``conv5_4``), ``fc6``,
    ``fc7``, ``fc8``), so an npz that Chainer converted from the Caffe model loads with
    :func:`dbr.serializers.load_npz`. ``fc6`` and ``fc7`` apply dropout (ratio 0.5) while
    ``dbr.config.train`` is True: wrap inference in ``dbr.using_config('train', False)``
    (``predict`` does this itself).

    Args:
        pretrained_model: ``'auto'`` loads ``VGG_ILSVRC_<n>_layers.npz`` from
            ``$DBR_DATASET_ROOT/pfnet/chainer/models`` (``~/.dbr/dataset`` by default);
            nothing is downloaded or converted, so the file must be there. A path loads that
            npz. None (or ``''``) draws random weights from ``Normal(0.01)`` with zero
            biases, as in the paper.
        n_layers (int): 16 or 19.

    Attributes:
        available_layers (list of str): The names ``forward`` and ``extract`` accept.
        functions (OrderedDict): ``layer name -> list of callables``, in order.

    Raises:
        FileNotFoundError: The weights file does not exist.
        ValueError: ``n_layers`` is not 16 or 19.
    """

    _prepare = staticmethod(prepare)
    _extract_layers = ('fc7',)

    def __init__(self, pretrained_model='auto', n_layers=16):
        super().__init__()
        if n_layers not in _CONVS:
            raise ValueError(f'{type(self).__name__}: n_layers should be either 16 or 19, '
                             f'but {n_layers!r} was given')
        path = _pretrained.resolve(pretrained_model, _NPZ_NAMES[n_layers], type(self).__name__)
        if path:
            # Loading overwrites everything: skip drawing random numbers.
            kwargs = {'initialW': initializers.Zero(), 'initial_bias': initializers.Zero()}
        else:
            kwargs = {'initialW': initializers.Normal(0.01), 'initial_bias': initializers.Zero()}
        self._conv_names = tuple(name for name, _, _ in _CONVS[n_layers])
        with self.init_scope():
            for name, c_in, c_out in _CONVS[n_layers]:
                setattr(self, name, Convolution2D(c_in, c_out, 3, 1, 1, **kwargs))
            self.fc6 = Linear(512 * 7 * 7, 4096, **kwargs)
            self.fc7 = Linear(4096, 4096, **kwargs)
            self.fc8 = Linear(4096, 1000, **kwargs)
        if path:
            _pretrained.load(self, path)

    @property
    def functions(self):
        table = collections.OrderedDict()
        for i, name in enumerate(self._conv_names):
            table[name] = [getattr(self, name), relu]
            last_of_block = (i + 1 == len(self._conv_names)
                             or self._conv_names[i + 1][4] != name[4])
            if last_of_block:
                table[f'pool{name[4]}'] = [_max_pooling_2d]
        table['fc6'] = [self.fc6, relu, dropout]
        table['fc7'] = [self.fc7, relu, dropout]
        table['fc8'] = [self.fc8]
        table['prob'] = [softmax]
        return table



class VGG16Layers(VGGLayers):
    """VGG with 16 weight layers (configuration D); see :class:`VGGLayers`.

    Args:
        pretrained_model: ``'auto'`` (``VGG_ILSVRC_16_layers.npz`` under
            ``$DBR_DATASET_ROOT/pfnet/chainer/models``), a path to an npz, or None for
            random weights.

    Example:
        >>> model = L.VGG16Layers(pretrained_model=None)  # doctest: +SKIP
        >>> with dbr.using_config('train', False):  # doctest: +SKIP
        ...     feature = model.extract([image], layers=['fc7'])['fc7']
    """

    def __init__(self, pretrained_model='auto'):
        super().__init__(pretrained_model, 16)


class VGG19Layers(VGGLayers):
    """VGG with 19 weight layers (configuration E); see :class:`VGGLayers`.

    Args:
        pretrained_model: ``'auto'`` (``VGG_ILSVRC_19_layers.npz`` under
            ``$DBR_DATASET_ROOT/pfnet/chainer/models``), a path to an npz, or None for
            random weights.

    Example:
        >>> model = L.VGG19Layers(pretrained_model=None)  # doctest: +SKIP
        >>> model.available_layers[:3]  # doctest: +SKIP
        ['conv1_1', 'conv1_2', 'pool1']
    """

    def __init__(self, pretrained_model='auto'):
        super().__init__(pretrained_model, 19)
