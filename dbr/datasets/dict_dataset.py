"""``DictDataset``: zips named equal-length datasets into dicts."""
from dbr.datasets import _index
from dbr.datasets.tuple_dataset import _check_lengths


class DictDataset:
    """Dataset whose ``i``-th example is ``{name: dataset[i] for each named dataset}``.

    Indexing by a slice returns a list of dicts; indexing by a list (or integer array) of
    indices returns, as in Chainer, one dict of batches ``{name: dataset[indices]}``.

    Args:
        **datasets: Datasets of one length, by name.

    Raises:
        ValueError: No dataset, or the lengths differ.

    Example:
        >>> ds = dbr.datasets.DictDataset(x=numpy.zeros((3, 2)), t=numpy.arange(3))
        >>> sorted(ds[0])
        ['t', 'x']
    """

    _label = 'DictDataset'

    def __init__(self, **datasets):
        self._length = _check_lengths(self._label, [(repr(k), d) for k, d in datasets.items()])
        self._datasets = datasets

    def __getitem__(self, index):
        n = self._length
        if _index.is_int(index):
            index = _index.check_int(self._label, index, n)
            return {k: d[index] for k, d in self._datasets.items()}
        if isinstance(index, slice):
            keys = list(self._datasets)
            return [dict(zip(keys, values))
                    for values in zip(*[d[index] for d in self._datasets.values()])]
        return {k: _index.take(self._label, d, index, n) for k, d in self._datasets.items()}

    def __len__(self):
        return self._length
