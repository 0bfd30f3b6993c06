"""``TransformDataset``: applies a function to each example on access."""
from dbr.dataset.dataset_mixin import DatasetMixin


class TransformDataset(DatasetMixin):
    """Dataset whose ``i``-th example is ``transform(dataset[i])``, computed on access.

    Args:
        dataset: The base dataset.
        transform (callable): Maps one example of ``dataset`` to one example of this dataset
            (data augmentation, preprocessing, ...).

    Example:
        >>> ds = dbr.datasets.TransformDataset(numpy.arange(4), lambda x: (x, x * x))
        >>> ds[3]
        (np.int64(3), np.int64(9))
    """

    def __init__(self, dataset, transform):
        self._dataset = dataset
        self._transform = transform

    def __len__(self):
        return len(self._dataset)

    def get_example(self, i):
        return self._transform(self._dataset[i])
