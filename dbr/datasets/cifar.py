"""CIFAR-10 and CIFAR-100: 32x32 colour images in 10 or 100 classes, from the "python version"
archives of the dataset's authors.

The archives (``cifar-10-python.tar.gz``, ``cifar-100-python.tar.gz``) are read from
``$DBR_DATASET_ROOT/cifar/`` and downloaded there when missing. Their batches are Python pickles;
they are read with an unpickler that admits only the NumPy array constructors they need, so a
corrupt or hostile archive cannot run code.
"""
import io
import os
import pickle
import tarfile
import zlib

import numpy

from dbr.configuration import get_dtype
from dbr.datasets import _download
from dbr.datasets.tuple_dataset import TupleDataset

_BASE_URL = 'https://www.cs.toronto.edu/~kriz/'
# name -> (archive, training members, test member, label key)
_ARCHIVES = {
    'cifar-10': ('cifar-10-python.tar.gz',
                 tuple(f'cifar-10-batches-py/data_batch_{i}' for i in range(1, 6)),
                 'cifar-10-batches-py/test_batch', b'labels'),
    'cifar-100': ('cifar-100-python.tar.gz', ('cifar-100-python/train',),
                  'cifar-100-python/test', b'fine_labels'),
}


def get_cifar10(withlabel=True, ndim=3, scale=1., dtype=None):
    """Gets the CIFAR-10 dataset: 50,000 training and 10,000 test RGB images of 32x32 pixels
    in ten classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck).

    Pixels, one byte per channel in the files, are scaled to floats in ``[0, scale]``.

    Args:
        withlabel (bool): If True, each dataset is a :class:`~dbr.datasets.TupleDataset` of
            ``(image, label)`` pairs (int32 labels); otherwise just the array of images.
        ndim (int): 3 gives images of shape ``(3, 32, 32)`` (channels first), 1 gives ``(3072,)``.
        scale (float): Pixel value of full intensity.
        dtype: Float type of the images; ``dbr.config.dtype`` (float32) when None.

    Returns:
        tuple: The training set and the test set.

    Raises:
        ValueError: ``ndim`` is not 1 or 3, ``dtype`` is not a float type, or the archive is
            corrupt (the message names it).
        FileNotFoundError: The archive is missing and could not be downloaded; the message says
            where to put it.

    Example:
        >>> train, test = dbr.datasets.get_cifar10()
        >>> x, t = train[0]
        >>> len(train), len(test), x.shape, x.dtype, int(t)
        (50000, 10000, (3, 32, 32), dtype('float32'), 6)
    """
    return _get('get_cifar10', 'cifar-10', withlabel, ndim, scale, dtype)


def get_cifar100(withlabel=True, ndim=3, scale=1., dtype=None):
    """Gets the CIFAR-100 dataset: 50,000 training and 10,000 test RGB images of 32x32 pixels
    in 100 classes (the "fine" labels).

    Same arguments and format as :func:`get_cifar10`.

    Example:
        >>> train, test = dbr.datasets.get_cifar100(ndim=1)
        >>> x, t = train[0]
        >>> x.shape, 0 <= int(t) < 100
        ((3072,), True)
    """
    return _get('get_cifar100', 'cifar-100', withlabel, ndim, scale, dtype)


def _get(label, name, withlabel, ndim, scale, dtype):
    if ndim not in (1, 3):
        raise ValueError(f'{label}: ndim must be 1 or 3, got {ndim!r}')
    dtype = get_dtype(dtype)
    if dtype.kind != 'f':
        raise ValueError(f'{label}: dtype must be a float type (pixels are scaled to '
                         f'[0, scale]), got {dtype}')
    archive, train_members, test_member, label_key = _ARCHIVES[name]
    path = _find_archive(label, archive)
    batches = _read_batches(label, path, train_members + (test_member,), label_key)
    splits = [batches[:-1], batches[-1:]]
    datasets = []
    for parts in splits:
        images = numpy.concatenate([images for images, _ in parts])
        labels = numpy.concatenate([labels for _, labels in parts])
        shape = (len(images), 3, 32, 32) if ndim == 3 else (len(images), 3072)
        # Dividing before scaling keeps full intensity at exactly ``scale``.
        images = images.reshape(shape).astype(dtype)
        images /= 255
        if scale != 1:
            images *= scale
        datasets.append(TupleDataset(images, labels) if withlabel else images)
    return tuple(datasets)


def _find_archive(label, archive):
    folder = _download.get_dataset_directory('cifar')
    path = os.path.join(folder, archive)
    if os.path.isfile(path):
        return path
    why = _download.download([_BASE_URL + archive], path)
    if why is not None:
        raise FileNotFoundError(
            f'{label}: {archive} was not found. Put it into {folder} (the folder '
            f'$DBR_DATASET_ROOT/cifar, default ~/.dbr/dataset/cifar). Downloading it there '
            f'failed: {why}')
    return path


def _read_batches(label, path, members, label_key):
    """Returns ``[(uint8 images (n, 3072), int32 labels (n,)), ...]``, one pair per member."""
    try:
        with tarfile.open(path, 'r:gz') as tar:
            blobs = []
            for member in members:
                try:
                    blobs.append(tar.extractfile(member).read())
                except (KeyError, AttributeError):  # absent, or not a regular file
                    raise ValueError(f'{label}: {path} has no file {member!r}; delete or '
                                     f'replace it') from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise ValueError(f'{label}: {path} is not a readable tar.gz archive ({e}); delete or '
                         f'replace it') from None
    batches = []
    for member, blob in zip(members, blobs):
        try:
            batch = _ArrayUnpickler(io.BytesIO(blob), encoding='bytes').load()
            images = numpy.asarray(batch[b'data'], numpy.uint8)
            labels = numpy.asarray(batch[label_key], numpy.int32)
        except (pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError) as e:
            raise ValueError(f'{label}: {member} in {path} is not a CIFAR batch ({e}); delete '
                             f'or replace the archive') from None
        if images.ndim != 2 or images.shape[1] != 3072 or len(images) != len(labels):
            raise ValueError(f'{label}: {member} in {path} holds data of shape {images.shape} '
                             f'and {len(labels)} labels, expected (n, 3072) and n; delete or '
                             f'replace the archive')
        batches.append((images, labels))
    return batches


def _numpy_reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct  # NumPy 2
    except ImportError:
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def _numpy_frombuffer():
    try:
        from numpy._core.numeric import _frombuffer  # NumPy 2
    except ImportError:
        from numpy.core.numeric import _frombuffer
    return _frombuffer


class _ArrayUnpickler(pickle.Unpickler):
    """Admits the few globals a pickled dict of NumPy arrays and lists refers to, nothing else."""

    def find_class(self, module, name):
        if name == '_reconstruct' and module in ('numpy.core.multiarray',
                                                 'numpy._core.multiarray'):
            return _numpy_reconstruct()
        if name == '_frombuffer' and module in ('numpy.core.numeric', 'numpy._core.numeric'):
            return _numpy_frombuffer()   # arrays in pickles of protocol 5
        if module == 'numpy' and name in ('ndarray', 'dtype'):
            return getattr(numpy, name)
        if (module, name) == ('_codecs', 'encode'):   # bytes in pickles of protocol < 3
            import _codecs
            return _codecs.encode
        raise pickle.UnpicklingError(f'global {module}.{name} is not allowed in a CIFAR batch')
