"""``SubDataset`` and the splits built on it: train/validation splits and cross validation."""
import numpy

from dbr.dataset.dataset_mixin import DatasetMixin
from dbr.datasets import _index


class SubDataset(DatasetMixin):
    """A contiguous range of a base dataset, optionally through a permutation.

    Example ``i`` of the subset is ``dataset[order[start + i]]`` (``dataset[start + i]``
    without ``order``); a negative ``i`` counts from ``finish``.

    Args:
        dataset: The base dataset.
        start (int): First position of the range.
        finish (int): One past the last position of the range.
        order (sequence of ints): A permutation of the base dataset's indices, or None.

    Raises:
        ValueError: The range does not fit in the base dataset, or ``order`` has the wrong
            length.

    Example:
        >>> sub = dbr.datasets.SubDataset(numpy.arange(10) * 10, 2, 5)
        >>> len(sub), sub[0], sub[-1]
        (3, np.int64(20), np.int64(40))
    """

    def __init__(self, dataset, start, finish, order=None):
        n = len(dataset)
        if not 0 <= start <= finish <= n:
            raise ValueError(f'SubDataset: the range [{start}, {finish}) does not fit in a '
                             f'base dataset of length {n}')
        if order is not None and len(order) != n:
            raise ValueError(f'SubDataset: order has length {len(order)}, but the base dataset '
                             f'has length {n}')
        self._dataset = dataset
        self._start = start
        self._finish = finish
        self._size = finish - start
        self._order = order

    def __len__(self):
        return self._size

    def get_example(self, i):
        index = self._start + _index.check_int('SubDataset', i, self._size)
        if self._order is not None:
            index = self._order[index]
        return self._dataset[index]


def split_dataset(dataset, split_at, order=None):
    """Splits a dataset into two disjoint subsets covering it: ``[:split_at]`` and
    ``[split_at:]`` (of ``order``, when given).

    Args:
        dataset: The dataset to split.
        split_at (int): Size of the first subset, ``0 <= split_at <= len(dataset)``.
        order (sequence of ints): A permutation of the dataset's indices, or None.

    Returns:
        tuple: Two :class:`SubDataset`.

    Example:
        >>> train, val = dbr.datasets.split_dataset(numpy.arange(10), 8)
        >>> len(train), len(val)
        (8, 2)
    """
    n = len(dataset)
    if not _index.is_int(split_at):
        raise TypeError(f'split_dataset: split_at must be an int, got '
                        f'{type(split_at).__name__}')
    if not 0 <= split_at <= n:
        raise ValueError(f'split_dataset: split_at={split_at} is out of range for a dataset '
                         f'of length {n}')
    return SubDataset(dataset, 0, split_at, order), SubDataset(dataset, split_at, n, order)


def split_dataset_random(dataset, first_size, seed=None):
    """Splits a dataset into two random disjoint subsets of sizes ``first_size`` and the rest.

    Args:
        dataset: The dataset to split.
        first_size (int): Size of the first subset.
        seed (int): Seed of the permutation; the same seed gives the same split. None draws
            a fresh permutation.

    Returns:
        tuple: Two :class:`SubDataset`.

    Example:
        >>> train, val = dbr.datasets.split_dataset_random(numpy.arange(10), 7, seed=0)
        >>> len(train), len(val)
        (7, 3)
    """
    order = numpy.random.RandomState(seed).permutation(len(dataset))
    return split_dataset(dataset, first_size, order)


def split_dataset_n(dataset, n, order=None):
    """Splits a dataset into ``n`` disjoint subsets of ``len(dataset) // n`` examples each
    (the last ``len(dataset) % n`` examples belong to none).

    Example:
        >>> [len(s) for s in dbr.datasets.split_dataset_n(numpy.arange(10), 3)]
        [3, 3, 3]
    """
    if not (_index.is_int(n) and n > 0):
        raise ValueError(f'split_dataset_n: n must be a positive int, got {n!r}')
    size = len(dataset) // n
    return [SubDataset(dataset, size * i, size * (i + 1), order) for i in range(n)]


def split_dataset_n_random(dataset, n, seed=None):
    """Like :func:`split_dataset_n`, through a random permutation seeded by ``seed``.

    Example:
        >>> subsets = dbr.datasets.split_dataset_n_random(numpy.arange(10), 2, seed=0)
    """
    order = numpy.random.RandomState(seed).permutation(len(dataset))
    return split_dataset_n(dataset, n, order)


def _n_folds(label, n_folds, kwargs):
    if 'n_fold' in kwargs:  # Chainer's former name
        if n_folds is not None:
            raise TypeError(f'{label}: give n_folds only (n_fold is its former name)')
        n_folds = kwargs.pop('n_fold')
    if kwargs:
        raise TypeError(f'{label}: unexpected arguments {sorted(kwargs)}')
    if not (_index.is_int(n_folds) and n_folds > 0):
        raise ValueError(f'{label}: n_folds must be a positive int, got {n_folds!r}')
    return n_folds


def get_cross_validation_datasets(dataset, n_folds=None, order=None, **kwargs):
    """Makes ``n_folds`` (train, test) splits for cross validation.

    The test subsets are disjoint, cover the dataset and differ in size by at most one; each
    train subset is the rest of the dataset.

    Args:
        dataset: The dataset to split.
        n_folds (int): Number of splits (``n_fold=`` is accepted as its former name).
        order (sequence of ints): A permutation of the dataset's indices, or None.

    Returns:
        list of tuples: ``n_folds`` pairs of :class:`SubDataset` ``(train, test)``.

    Example:
        >>> folds = dbr.datasets.get_cross_validation_datasets(numpy.arange(10), 3)
        >>> [(len(train), len(test)) for train, test in folds]
        [(6, 4), (7, 3), (7, 3)]
    """
    n_folds = _n_folds('get_cross_validation_datasets', n_folds, kwargs)
    n = len(dataset)
    order = numpy.arange(n) if order is None else numpy.array(order)
    borders = [n * i // n_folds for i in range(n_folds + 1)]
    test_sizes = [borders[i + 1] - borders[i] for i in range(n_folds)]
    splits = []
    for test_size in reversed(test_sizes):
        splits.append(split_dataset(dataset, n - test_size, order))
        # Rotate so the next fold's test part (the end of the order) is a fresh block.
        order = numpy.roll(order, test_size)
    return splits


def get_cross_validation_datasets_random(dataset, n_folds=None, seed=None, **kwargs):
    """Like :func:`get_cross_validation_datasets`, through a random permutation seeded by
    ``seed``.

    Example:
        >>> folds = dbr.datasets.get_cross_validation_datasets_random(
        ...     numpy.arange(10), 5, seed=0)
    """
    n_folds = _n_folds('get_cross_validation_datasets_random', n_folds, kwargs)
    order = numpy.random.RandomState(seed).permutation(len(dataset))
    return get_cross_validation_datasets(dataset, n_folds, order)
