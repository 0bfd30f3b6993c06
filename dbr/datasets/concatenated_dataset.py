"""``ConcatenatedDataset``: several datasets one after another."""
import bisect
import itertools

from dbr.dataset.dataset_mixin import DatasetMixin
from dbr.datasets import _index


class ConcatenatedDataset(DatasetMixin):
    """Dataset made of the examples of ``datasets[0]``, then those of ``datasets[1]``, ...

    The lengths of the datasets are read once, at construction.

    Args:
        *datasets: The datasets to concatenate.

    Example:
        >>> ds = dbr.datasets.ConcatenatedDataset([0, 1, 2], [3, 4])
        >>> len(ds), ds[3], ds[-1]
        (5, 3, 4)
    """

    def __init__(self, *datasets):
        self._datasets = datasets
        # _ends[k] is one past the last index of datasets[k] in this dataset.
        self._ends = list(itertools.accumulate(len(d) for d in datasets))

    def __len__(self):
        return self._ends[-1] if self._ends else 0

    def get_example(self, i):
        i = _index.check_int('ConcatenatedDataset', i, len(self))
        k = bisect.bisect_right(self._ends, i)
        return self._datasets[k][i - (self._ends[k - 1] if k else 0)]
