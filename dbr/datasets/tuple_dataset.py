"""``TupleDataset``: zips equal-length datasets into tuples."""
from dbr.datasets import _index


def _check_lengths(label, named):
    """Returns the common length of the ``(name, dataset)`` pairs, or raises ValueError."""
    if not named:
        raise ValueError(f'{label}: no datasets are given')
    lengths = [(name, len(d)) for name, d in named]
    first_name, length = lengths[0]
    for name, n in lengths[1:]:
        if n != length:
            raise ValueError(f'{label}: dataset {name} has length {n}, but dataset '
                             f'{first_name} has length {length}')
    return length


class TupleDataset:
    """Dataset whose ``i``-th example is ``(datasets[0][i], datasets[1][i], ...)``.

    Indexing by a slice returns a list of tuples; indexing by a list (or integer array) of
    indices returns, as in Chainer, one tuple of batches: ``x, t = ds[[3, 1]]`` gives
    ``x = X[[3, 1]]`` and ``t = T[[3, 1]]`` (a list of items for datasets that are not arrays).

    Args:
        *datasets: Datasets (arrays, lists, other datasets) of one length.

    Raises:
        ValueError: No dataset, or the lengths differ.

    Example:
        >>> ds = dbr.datasets.TupleDataset(numpy.arange(3), ['a', 'b', 'c'])
        >>> ds[1]
        (np.int64(1), 'b')
        >>> ds[:2]
        [(np.int64(0), 'a'), (np.int64(1), 'b')]
        >>> ds[[2, 0]]
        (array([2, 0]), ['c', 'a'])
    """

    _label = 'TupleDataset'

    def __init__(self, *datasets):
        self._length = _check_lengths(self._label, list(enumerate(datasets)))
        self._datasets = datasets

    def __getitem__(self, index):
        n = self._length
        if _index.is_int(index):
            index = _index.check_int(self._label, index, n)
            return tuple(d[index] for d in self._datasets)
        if isinstance(index, slice):
            return list(zip(*[d[index] for d in self._datasets]))
        return tuple(_index.take(self._label, d, index, n) for d in self._datasets)

    def __len__(self):
        return self._length
