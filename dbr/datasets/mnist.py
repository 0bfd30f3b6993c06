"""MNIST and Fashion-MNIST: 28x28 grey-scale images in ten classes, from the gzip IDX files.

The four files (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``) are read from
``$DBR_DATASET_ROOT/<mnist|fashion-mnist>/``, for Fashion-MNIST also from Debian's
``dataset-fashion-mnist`` package, and downloaded into the dataset root when found nowhere.
"""
import gzip
import math
import os
import zlib

import numpy

from dbr.configuration import get_dtype
from dbr.datasets import _download
from dbr.datasets.tuple_dataset import TupleDataset

_FILES = {'train': ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
          'test': ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')}
# Folders that system packages install the files into, searched after the dataset root.
_SYSTEM_DIRS = {'mnist': (), 'fashion-mnist': ('/usr/share/datasets/fashion-mnist',)}
_SYSTEM_HINTS = {
    'mnist': '',
    'fashion-mnist': ", or install Debian's package (`apt-get install dataset-fashion-mnist` puts "
                     'them into /usr/share/datasets/fashion-mnist)',
}
_MIRRORS = {
    'mnist': ('https://ossci-datasets.s3.amazonaws.com/mnist/',
              'http://yann.lecun.com/exdb/mnist/'),
    'fashion-mnist': ('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',),
}
_FASHION_MNIST_LABELS = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
                         'Sneaker', 'Bag', 'Ankle boot')
_IDX_UBYTE = 0x08  # IDX type code of unsigned bytes, the only type these files use


def get_mnist(withlabel=True, ndim=1, scale=1., dtype=None, label_dtype=numpy.int32,
              rgb_format=False):
    """Gets the MNIST dataset of hand-written digits (60,000 training and 10,000 test images).

    Pixels, one byte each in the files, are scaled to floats in ``[0, scale]``.

    Args:
        withlabel (bool): If True, each dataset is a :class:`~dbr.datasets.TupleDataset` of
            ``(image, label)`` pairs; otherwise just the array of images.
        ndim (int): Dimensions of one image: 1 gives shape ``(784,)``, 2 gives ``(28, 28)`` and
            3 gives ``(1, 28, 28)`` (``(3, 28, 28)`` with ``rgb_format``).
        scale (float): Pixel value of white; pixels lie in ``[0, scale]``.
        dtype: Float type of the images; ``dbr.config.dtype`` (float32) when None.
        label_dtype: Type of the labels.
        rgb_format (bool): With ``ndim == 3``, repeat the grey channel into three RGB channels.

    Returns:
        tuple: The training set and the test set.

    Raises:
        ValueError: ``ndim`` is not 1, 2 or 3, ``dtype`` is not a float type, or a file is
            corrupt (the message names it).
        FileNotFoundError: The files are not installed and could not be downloaded; the message
            says where to put them.

    Example:
        >>> train, test = dbr.datasets.get_mnist()
        >>> x, t = train[0]
        >>> len(train), len(test), x.shape, x.dtype, int(t)
        (60000, 10000, (784,), dtype('float32'), 5)
    """
    return _get('get_mnist', 'mnist', 'MNIST', withlabel, ndim, scale, dtype, label_dtype,
                rgb_format)


def get_fashion_mnist(withlabel=True, ndim=1, scale=1., dtype=None, label_dtype=numpy.int32,
                      rgb_format=False):
    """Gets the Fashion-MNIST dataset of clothing images (60,000 training and 10,000 test images).

    Same format and options as :func:`get_mnist`; the ten class names are given by
    :func:`get_fashion_mnist_labels`. Besides ``$DBR_DATASET_ROOT/fashion-mnist``, the files of
    Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``) are used.

    Args:
        withlabel (bool): If True, each dataset is a :class:`~dbr.datasets.TupleDataset` of
            ``(image, label)`` pairs; otherwise just the array of images.
        ndim (int): Dimensions of one image: 1 gives shape ``(784,)``, 2 gives ``(28, 28)`` and
            3 gives ``(1, 28, 28)`` (``(3, 28, 28)`` with ``rgb_format``).
        scale (float): Pixel value of white; pixels lie in ``[0, scale]``.
        dtype: Float type of the images; ``dbr.config.dtype`` (float32) when None.
        label_dtype: Type of the labels.
        rgb_format (bool): With ``ndim == 3``, repeat the grey channel into three RGB channels.

    Returns:
        tuple: The training set and the test set.

    Raises:
        ValueError: ``ndim`` is not 1, 2 or 3, ``dtype`` is not a float type, or a file is
            corrupt (the message names it).
        FileNotFoundError: The files are not installed and could not be downloaded; the message
            says where to put them.

    Example:
        >>> train, test = dbr.datasets.get_fashion_mnist(ndim=3)
        >>> x, t = train[0]
        >>> len(train), len(test), x.shape, dbr.datasets.get_fashion_mnist_labels()[t]
        (60000, 10000, (1, 28, 28), 'Ankle boot')
    """
    return _get('get_fashion_mnist', 'fashion-mnist', 'Fashion-MNIST', withlabel, ndim, scale,
                dtype, label_dtype, rgb_format)


def get_fashion_mnist_labels():
    """Returns the names of the ten Fashion-MNIST classes, indexed by label.

    Example:
        >>> dbr.datasets.get_fashion_mnist_labels()[:3]
        ['T-shirt/top', 'Trouser', 'Pullover']
    """
    return list(_FASHION_MNIST_LABELS)


def _get(label, name, title, withlabel, ndim, scale, dtype, label_dtype, rgb_format):
    if ndim not in (1, 2, 3):
        raise ValueError(f'{label}: ndim must be 1, 2 or 3, got {ndim!r}')
    dtype = get_dtype(dtype)
    if dtype.kind != 'f':
        raise ValueError(f'{label}: dtype must be a float type (pixels are scaled to '
                         f'[0, scale]), got {dtype}')
    folder = _find_folder(label, name, title)
    datasets = []
    for split in ('train', 'test'):
        images, labels = _read_split(label, folder, split)
        images = _preprocess(images, ndim, scale, dtype, rgb_format)
        datasets.append(TupleDataset(images, labels.astype(label_dtype)) if withlabel else images)
    return tuple(datasets)


def _find_folder(label, name, title):
    """Returns the first folder that holds all four files, downloading them if none does."""
    files = [f for pair in _FILES.values() for f in pair]
    folder = _download.get_dataset_directory(name)
    for candidate in (folder,) + _SYSTEM_DIRS[name]:
        if all(os.path.isfile(os.path.join(candidate, f)) for f in files):
            return candidate
    for f in files:
        path = os.path.join(folder, f)
        if os.path.isfile(path):
            continue
        why = _download.download([mirror + f for mirror in _MIRRORS[name]], path)
        if why is not None:
            raise FileNotFoundError(
                f'{label}: the {title} files were not found. Put {", ".join(files)} into '
                f'{folder} (the folder $DBR_DATASET_ROOT/{name}, default ~/.dbr/dataset/{name})'
                f'{_SYSTEM_HINTS[name]}. Downloading {f} there failed: {why}')
    return folder


def _read_split(label, folder, split):
    images_path, labels_path = (os.path.join(folder, f) for f in _FILES[split])
    images = _read_idx(label, images_path, 3)
    labels = _read_idx(label, labels_path, 1)
    if len(images) != len(labels):
        raise ValueError(f'{label}: {images_path} holds {len(images)} images but {labels_path} '
                         f'holds {len(labels)} labels')
    return images, labels


def _read_idx(label, path, ndim):
    """Reads a gzip IDX file of unsigned bytes with ``ndim`` dimensions into a uint8 array."""
    try:
        with open(path, 'rb') as f:
            data = gzip.decompress(f.read())
    except (OSError, EOFError, zlib.error) as e:  # not gzip, truncated, or corrupt stream
        raise ValueError(f'{label}: {path} is not a readable gzip file ({e}); delete or '
                         f'replace it') from None
    magic = _IDX_UBYTE << 8 | ndim
    header = 4 + 4 * ndim
    found = int.from_bytes(data[:4], 'big')
    if len(data) < 4 or found != magic:
        raise ValueError(f'{label}: {path} is not an IDX file of unsigned bytes with {ndim} '
                         f'dimension(s): magic number 0x{found:08x}, expected 0x{magic:08x}; '
                         f'delete or replace it')
    if len(data) < header:
        raise ValueError(f'{label}: {path} is truncated: {len(data)} bytes, fewer than its '
                         f'{header}-byte header; delete or replace it')
    shape = tuple(int.from_bytes(data[i:i + 4], 'big') for i in range(4, header, 4))
    size = math.prod(shape)
    if len(data) - header != size:
        raise ValueError(f'{label}: {path} is truncated or corrupt: its header declares shape '
                         f'{shape} ({size} bytes) but {len(data) - header} bytes follow; delete '
                         f'or replace it')
    return numpy.frombuffer(data, numpy.uint8, size, header).reshape(shape)


def _preprocess(images, ndim, scale, dtype, rgb_format):
    n, rows, cols = images.shape
    if ndim == 1:
        images = images.reshape(n, rows * cols)
    elif ndim == 3:
        images = images.reshape(n, 1, rows, cols)
        if rgb_format:
            images = numpy.broadcast_to(images, (n, 3, rows, cols))
    images = images.astype(dtype)
    # Dividing before scaling keeps white at exactly ``scale``, never one rounding step above.
    images /= 255
    if scale != 1:
        images *= scale
    return images
