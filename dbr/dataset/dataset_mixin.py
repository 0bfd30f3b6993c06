"""``DatasetMixin``: indexing by int, slice or list on top of ``get_example``."""
import numpy


class DatasetMixin:
    """Gives a dataset defined by ``__len__`` and ``get_example(i)`` the full indexing protocol.

    ``dataset[i]`` calls ``get_example(i)``; ``dataset[start:stop:step]`` and
    ``dataset[[i, j, ...]]`` (a list or a 1-D integer array) return lists of examples, and so
    does a boolean mask of the dataset's length (the examples where it is True).

    Example:
        >>> class Squares(dbr.dataset.DatasetMixin):
        ...     def __len__(self):
        ...         return 10
        ...     def get_example(self, i):
        ...         return i * i
        >>> Squares()[2], Squares()[7:], Squares()[[1, 3]]
        (4, [49, 64, 81], [1, 9])
    """

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.get_example(i) for i in range(*index.indices(len(self)))]
        if isinstance(index, (list, numpy.ndarray)):
            return [self.get_example(i)
                    for i in positions(type(self).__name__, index, len(self))]
        return self.get_example(index)

    def __len__(self):
        raise NotImplementedError(f'{type(self).__name__} does not implement __len__')

    def get_example(self, i):
        """Returns the ``i``-th example."""
        raise NotImplementedError(f'{type(self).__name__} does not implement get_example')


def positions(label, index, length):
    """Returns a list or integer array ``index`` as given, a boolean mask as the positions where
    it is True (a mask is not a list of 0/1 indices); raises TypeError for other arrays."""
    if isinstance(index, numpy.ndarray) and index.dtype.kind not in 'iu':
        if index.dtype.kind != 'b':
            raise TypeError(f'{label}: an index array must hold integers or booleans, got '
                            f'dtype {index.dtype}')
        if index.shape != (length,):
            raise IndexError(f'{label}: a boolean mask must have shape ({length},) for a dataset '
                             f'of length {length}, got {index.shape}')
        return numpy.flatnonzero(index)
    return index
