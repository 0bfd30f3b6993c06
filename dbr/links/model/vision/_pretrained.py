"""Shared by the vision models: finding Chainer-converted weights, input preprocessing, and
running an ordered table of named layers (``forward`` / ``extract`` / ``predict``)."""
import os

import numpy

from dbr import backend
from dbr import configuration
from dbr import link
from dbr.datasets._download import get_dataset_root
from dbr.utils import argument
from dbr.variable import Variable

# ImageNet channel means in BGR order (Caffe's convention, which the converted weights expect).
VGG_BGR_MEAN = (103.939, 116.779, 123.68)


def default_path(name):
    """Where ``pretrained_model='auto'`` looks for model ``name``.

    Returns ``<dataset root>/pfnet/chainer/models/<name>.npz``; the dataset root is
    ``$DBR_DATASET_ROOT`` (read at call time) or ``~/.dbr/dataset``, as for ``dbr.datasets``.
    """
    return os.path.join(get_dataset_root(), 'pfnet', 'chainer', 'models', name + '.npz')


def resolve(pretrained_model, name, label):
    """Turns a ``pretrained_model`` argument into the npz path to load, or None.

    Args:
        pretrained_model: ``'auto'`` (the Chainer-converted file at :func:`default_path`), a
            path to an npz file, or None / ``''`` (no weights: random initialization).
        name (str): The file's base name under the models folder, e.g.
            ``'VGG_ILSVRC_16_layers'``.
        label (str): The link's name for error messages.

    Raises:
        FileNotFoundError: The file does not exist; for ``'auto'`` the message says where to
            put a converted file.
    """
    if not pretrained_model:
        return None
    if pretrained_model == 'auto':
        path = default_path(name)
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"{label}: pretrained_model='auto' found no weights at {path!r}. Put the npz "
                f"that Chainer converted from the Caffe model there (Chainer writes it to "
                f"$CHAINER_DATASET_ROOT/pfnet/chainer/models/{name}.npz; set "
                f"$DBR_DATASET_ROOT to use another root), or pass its path as "
                f"pretrained_model. Converting a .caffemodel needs Caffe's protobuf and is "
                f"not supported; pass pretrained_model=None for random weights.")
        return path
    path = os.fspath(pretrained_model)
    if not os.path.exists(path):
        raise FileNotFoundError(f'{label}: pretrained_model {path!r} does not exist')
    return path


def load(link, path):
    """Loads the npz at ``path`` into ``link`` (strictly: every key must match)."""
    from dbr.serializers.npz import load_npz
    load_npz(path, link)


def prepare(image, size=(224, 224), mean=VGG_BGR_MEAN):
    """Converts an RGB image into a CNN input the way Chainer's vision models do.

    Resizes (bilinear, pixel centres aligned), turns RGB into BGR, subtracts the BGR ``mean``
    and transposes to CHW. Pixel values are on the 0..255 scale; float images are used as they
    are (Chainer rounds them to uint8 on the way through PIL).

    Args:
        image: RGB image: an ``(H, W, 3)`` array (``(3, H, W)`` is accepted too, as in Chainer),
            a grayscale ``(H, W)`` or ``(1, H, W)`` array, or an object with a PIL-style
            ``convert('RGB')`` method.
        size (pair of ints): ``(width, height)`` of the result (Chainer hands it to PIL's
            ``resize``, which takes width first); None keeps the size.
        mean: BGR mean to subtract.

    Returns:
        numpy.ndarray: float32 array of shape ``(3, height, width)``.

    Example:
        >>> prepare(numpy.zeros((32, 48, 3), numpy.uint8), size=(16, 8)).shape
        (3, 8, 16)
    """
    if hasattr(image, 'convert'):
        image = numpy.asarray(image.convert('RGB'))
    image = numpy.asarray(image)
    if image.ndim == 3 and image.shape[0] in (1, 3) and image.shape[2] not in (1, 3):
        image = image.transpose(1, 2, 0)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = numpy.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] * image.shape[1] == 0:
        raise ValueError(f'prepare: expected a non-empty (H, W, 3) RGB image, got shape '
                         f'{image.shape}')
    x = image.astype(numpy.float32).transpose(2, 0, 1)[::-1]  # CHW, BGR
    if size is not None:
        width, height = (int(v) for v in size)
        if (height, width) != x.shape[1:]:
            from dbr.functions.resize.resize_images import resize_images
            x = resize_images(x[None], (height, width), align_corners=False).array[0]
    x = x - numpy.asarray(mean, numpy.float32)[:, None, None]
    return numpy.ascontiguousarray(x)


def forward_layers(functions, x, layers, label, branches=None):
    """Runs the ordered ``functions`` table on ``x`` and returns the requested activations.

    Stops after the last requested layer, so asking for an early layer is cheap.

    Args:
        functions: Ordered mapping ``layer name -> list of callables`` applied in turn.
        x: Input of the first layer.
        layers (iterable of str): Names to return.
        label (str): The model's name for error messages.
        branches (dict): ``layer -> earlier layer`` for side outputs that start from an
            earlier layer's activation instead of the previous one (GoogLeNet's auxiliary
            classifiers).

    Returns:
        dict: ``name -> Variable`` for each requested layer.

    Raises:
        ValueError: A requested name is not a layer of the model.
    """
    targets = set(layers)
    unknown = targets.difference(functions)
    if unknown:
        raise ValueError(f'{label}: unknown layer(s) {sorted(unknown)}; available layers are '
                         f'{list(functions)}')
    branches = branches or {}
    sources = set(branches.values())
    saved = {}
    activations = {}
    h = x
    for name, funcs in functions.items():
        if not targets:
            break
        if name in branches:
            h = saved[branches[name]]
        for f in funcs:
            h = f(h)
        if name in targets:
            activations[name] = h
            targets.remove(name)
        if name in sources:
            saved[name] = h
    return activations


def check_retired_kwargs(kwargs):
    """Rejects the v1 ``train``/``test``/``volatile`` arguments (and any other) as Chainer does."""
    if kwargs:
        message = 'argument is not supported anymore. Use dbr.using_config'
        argument.check_unexpected_kwargs(kwargs, test='test ' + message,
                                         train='train ' + message,
                                         volatile='volatile ' + message)
        argument.assert_kwargs_empty(kwargs)


def prepare_batch(model, images, prepare_fn, size):
    """Prepares each image with ``prepare_fn(image, size=size)`` and stacks them on the
    model's device as one Variable."""
    x = numpy.stack([prepare_fn(image, size=size) for image in images])
    return Variable(model.xp.asarray(x))


def oversample(x, crop_dims):
    """Ten crops of each image: four corners and the centre, then the same five mirrored.

    Args:
        x: ``(n, c, h, w)`` array.
        crop_dims (pair of ints): ``(crop_h, crop_w)``.

    Returns:
        ``(10 * n, c, crop_h, crop_w)`` array; the crops of image ``i`` are rows
        ``10 * i`` to ``10 * i + 9``.
    """
    xp = backend.get_array_module(x)
    n, c, h, w = x.shape
    ch, cw = crop_dims
    starts = ((0, 0), (0, w - cw), (h - ch, 0), (h - ch, w - cw),
              (int(h / 2 - ch / 2), int(w / 2 - cw / 2)))
    crops = xp.stack([x[:, :, i:i + ch, j:j + cw] for i, j in starts], axis=1)
    crops = xp.concatenate([crops, crops[..., ::-1]], axis=1)
    return crops.reshape(n * 10, c, ch, cw)


def predict(model, images, prepare_fn, oversample_crops):
    """Class probabilities of ``images`` as Chainer's vision models compute them.

    Each image is prepared at 256x256; the 224x224 centre crop is classified, or, with
    ``oversample_crops``, the ten crops of :func:`oversample` are averaged. Runs with
    ``train=False`` and without building a graph.
    """
    x = numpy.stack([prepare_fn(image, size=(256, 256)) for image in images])
    if oversample_crops:
        x = oversample(x, (224, 224))
    else:
        x = x[:, :, 16:240, 16:240]
    from dbr.functions.array.reshape import reshape
    from dbr.functions.math.mean import average
    with configuration.no_backprop_mode(), configuration.using_config('train', False):
        y = model(Variable(model.xp.asarray(x)), layers=['prob'])['prob']
        if oversample_crops:
            y = average(reshape(y, (y.shape[0] // 10, 10) + y.shape[1:]), axis=1)
    return y


class ImageNetLayers(link.Chain):
    """The API the ImageNet models share (Chainer's VGG, GoogLeNet and ResNets).

    A subclass defines ``functions`` (an ordered ``layer name -> list of callables`` table),
    ``_prepare`` (its module's ``prepare``, as a staticmethod) and ``_extract_layers`` (what
    ``extract`` returns by default); GoogLeNet also sets ``_branches`` (see
    :func:`forward_layers`).
    """

    _extract_layers = ('prob',)
    _branches = None

    @property
    def available_layers(self):
        """list of str: The names ``forward`` and ``extract`` accept, in order."""
        return list(self.functions)

    def forward(self, x, layers=None, **kwargs):
        """forward(x, layers=['prob'])

        Computes the activations named in ``layers``, stopping after the last one.

        Args:
            x: ``(n, 3, h, w)`` input made by the model's ``prepare``.
            layers (list of str): Layer names (see ``available_layers``); ``['prob']`` when
                None.

        Returns:
            dict: ``layer name -> Variable``.

        Example:
            >>> model(x, layers=['pool5'])['pool5'].shape  # doctest: +SKIP
        """
        check_retired_kwargs(kwargs)
        return forward_layers(self.functions, x, ['prob'] if layers is None else layers,
                              type(self).__name__, self._branches)

    def extract(self, images, layers=None, size=(224, 224), **kwargs):
        """extract(images, layers=None, size=(224, 224))

        Prepares ``images`` with the model's ``prepare`` and returns ``forward``'s activations.

        Unlike ``predict`` this leaves ``dbr.config.train`` and ``enable_backprop`` alone: wrap
        the call in ``dbr.using_config('train', False)`` for inference features.

        Args:
            images (iterable): RGB images (see ``prepare``).
            layers (list of str): Layer names; the model's default feature layer when None
                (``fc7`` for VGG, ``pool5`` for GoogLeNet and the ResNets).
            size (pair of ints): ``(width, height)`` the images are resized to; None keeps them
                (they must then share one size).

        Returns:
            dict: ``layer name -> Variable``.

        Example:
            >>> feats = model.extract([image], layers=['pool5'])  # doctest: +SKIP
        """
        check_retired_kwargs(kwargs)
        x = prepare_batch(self, images, self._prepare, size)
        return self(x, layers=list(self._extract_layers) if layers is None else layers)

    def predict(self, images, oversample=True):
        """Class probabilities ``(n, 1000)`` of ``images`` (in train=False mode, no graph).

        Args:
            images (iterable): RGB images (see ``prepare``); each is resized to 256x256.
            oversample (bool): Average the probabilities over the 224x224 corner and centre
                crops and their mirrors (10 crops); otherwise use the centre crop only.

        Returns:
            Variable: ``(n, 1000)`` probabilities.

        Example:
            >>> prob = model.predict([image], oversample=False)  # doctest: +SKIP
        """
        return predict(self, images, self._prepare, oversample)
