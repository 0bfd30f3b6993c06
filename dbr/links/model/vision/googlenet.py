"""GoogLeNet (Inception v1, BVLC's Caffe model) with Chainer's layer names, for
Chainer-converted weights."""
import collections

from dbr import initializers
from dbr.functions.activation.relu import relu
from dbr.functions.activation.softmax import softmax
from dbr.functions.noise.dropout import dropout
from dbr.functions.normalization.local_response_normalization import (
    local_response_normalization)
from dbr.functions.pooling.average_pooling_2d import average_pooling_2d
from dbr.functions.pooling.max_pooling_2d import max_pooling_2d
from dbr.links.connection.convolution_2d import Convolution2D
from dbr.links.connection.inception import Inception
from dbr.links.connection.linear import Linear
from dbr.links.model.vision import _pretrained

# Mean of BVLC's GoogLeNet training images, BGR.
_BGR_MEAN = (104.0, 117.0, 123.0)

# Inception blocks: child name -> (in, out1, proj3, out3, proj5, out5, proj_pool).
_INCEPTIONS = (
    ('inc3a', (192, 64, 96, 128, 16, 32, 32)),
    ('inc3b', (256, 128, 128, 192, 32, 96, 64)),
    ('inc4a', (480, 192, 96, 208, 16, 48, 64)),
    ('inc4b', (512, 160, 112, 224, 24, 64, 64)),
    ('inc4c', (512, 128, 128, 256, 24, 64, 64)),
    ('inc4d', (512, 112, 144, 288, 32, 64, 64)),
    ('inc4e', (528, 256, 160, 320, 32, 128, 128)),
    ('inc5a', (832, 256, 160, 320, 32, 128, 128)),
    ('inc5b', (832, 384, 192, 384, 48, 128, 128)),
)

# The auxiliary classifiers start from these earlier activations.
_BRANCHES = {'loss1_fc2': 'inception_4a', 'loss2_fc2': 'inception_4d'}


def _max_pooling_2d(x):
    return max_pooling_2d(x, ksize=3, stride=2)


def _local_response_normalization(x):
    return local_response_normalization(x, n=5, k=1, alpha=1e-4 / 5)


def _average_pooling_2d_k5(x):
    return average_pooling_2d(x, ksize=5, stride=3)


def _average_pooling_2d_k7(x):
    return average_pooling_2d(x, ksize=7, stride=1)


def _dropout(x):
    return dropout(x, ratio=0.4)


def prepare(image, size=(224, 224)):
    """Converts an RGB image into a GoogLeNet input: resized, BGR, mean-subtracted, CHW.

    Args:
        image: ``(H, W, 3)`` RGB array (or ``(3, H, W)``, ``(H, W)`` grayscale, or a
            PIL-style image with ``convert``), values on the 0..255 scale.
        size (pair of ints): ``(width, height)`` of the result, as PIL's ``resize`` takes
            it; None keeps the size.

    Returns:
        numpy.ndarray: ``(3, height, width)`` float32 (BGR mean ``(104, 117, 123)``
        subtracted).

    Example:
        >>> prepare(numpy.zeros((300, 200, 3), numpy.uint8)).shape
        (3, 224, 224)
    """
    return _pretrained.prepare(image, size, _BGR_MEAN)


class GoogLeNet(_pretrained.ImageNetLayers):
    """GoogLeNet (Inception v1) as trained by BVLC, with Chainer's child names.

    Children: ``conv1``, ``conv2_reduce``, ``conv2``, ``inc3a`` ... ``inc5b``
    (:class:`~dbr.links.Inception`), ``loss3_fc``, and the auxiliary classifiers
    ``loss1_conv``/``loss1_fc1``/``loss1_fc2`` and ``loss2_*``, so an npz that Chainer
    converted from ``bvlc_googlenet.caffemodel`` loads with :func:`dbr.serializers.load_npz`.
    ``loss3_fc`` is preceded by dropout (ratio 0.4) while ``dbr.config.train`` is True.
    ``loss1_fc2`` and ``loss2_fc2`` come after ``prob`` in the layer order and branch off
    ``inception_4a`` and ``inception_4d``.

    Args:
        pretrained_model: ``'auto'`` loads ``bvlc_googlenet.npz`` from
            ``$DBR_DATASET_ROOT/pfnet/chainer/models`` (``~/.dbr/dataset`` by default);
            nothing is downloaded or converted, so the file must be there. A path loads that
            npz. None (or ``''``) initializes randomly (``LeCunUniform(scale=1.0)`` for the
            convolutions and linears outside the inception blocks, as BVLC's "xavier").

    Attributes:
        available_layers (list of str): The names ``forward`` and ``extract`` accept.
        functions (OrderedDict): ``layer name -> list of callables``, in order.

    Raises:
        FileNotFoundError: The weights file does not exist.

    Example:
        >>> model = L.GoogLeNet(pretrained_model=None)
        >>> with dbr.using_config('train', False):  # doctest: +SKIP
        ...     prob = model.predict([image])
    """

    _prepare = staticmethod(prepare)
    _extract_layers = ('pool5',)
    _branches = _BRANCHES

    def __init__(self, pretrained_model='auto'):
        super().__init__()
        path = _pretrained.resolve(pretrained_model, 'bvlc_googlenet', 'GoogLeNet')
        if path:
            # Loading overwrites everything: skip drawing random numbers.
            kwargs = {'initialW': initializers.Zero()}
            inception_kwargs = {'conv_init': initializers.Zero()}
        else:
            kwargs = {'initialW': initializers.LeCunUniform(scale=1.0)}
            inception_kwargs = {}
        with self.init_scope():
            self.conv1 = Convolution2D(3, 64, 7, stride=2, pad=3, **kwargs)
            self.conv2_reduce = Convolution2D(64, 64, 1, **kwargs)
            self.conv2 = Convolution2D(64, 192, 3, stride=1, pad=1, **kwargs)
            for name, sizes in _INCEPTIONS:
                setattr(self, name, Inception(*sizes, **inception_kwargs))
            self.loss3_fc = Linear(1024, 1000, **kwargs)

            self.loss1_conv = Convolution2D(512, 128, 1, **kwargs)
            self.loss1_fc1 = Linear(2048, 1024, **kwargs)
            self.loss1_fc2 = Linear(1024, 1000, **kwargs)

            self.loss2_conv = Convolution2D(528, 128, 1, **kwargs)
            self.loss2_fc1 = Linear(2048, 1024, **kwargs)
            self.loss2_fc2 = Linear(1024, 1000, **kwargs)
        if path:
            _pretrained.load(self, path)

    @property
    def functions(self):
        return collections.OrderedDict([
            ('conv1', [self.conv1, relu]),
            ('pool1', [_max_pooling_2d, _local_response_normalization]),
            ('conv2_reduce', [self.conv2_reduce, relu]),
            ('conv2', [self.conv2, relu, _local_response_normalization]),
            ('pool2', [_max_pooling_2d]),
            ('inception_3a', [self.inc3a]),
            ('inception_3b', [self.inc3b]),
            ('pool3', [_max_pooling_2d]),
            ('inception_4a', [self.inc4a]),
            ('inception_4b', [self.inc4b]),
            ('inception_4c', [self.inc4c]),
            ('inception_4d', [self.inc4d]),
            ('inception_4e', [self.inc4e]),
            ('pool4', [_max_pooling_2d]),
            ('inception_5a', [self.inc5a]),
            ('inception_5b', [self.inc5b]),
            ('pool5', [_average_pooling_2d_k7]),
            ('loss3_fc', [_dropout, self.loss3_fc]),
            ('prob', [softmax]),
            # Rarely wanted: placed last so that computing 'prob' never runs them.
            ('loss1_fc2', [_average_pooling_2d_k5, self.loss1_conv, relu,
                           self.loss1_fc1, relu, self.loss1_fc2]),
            ('loss2_fc2', [_average_pooling_2d_k5, self.loss2_conv, relu,
                           self.loss2_fc1, relu, self.loss2_fc2]),
        ])
