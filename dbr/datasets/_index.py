"""Index checks and gathers shared by the datasets."""
import numbers

import numpy

from dbr import backend
from dbr.dataset.dataset_mixin import positions


def is_int(index):
    return isinstance(index, numbers.Integral)


def check_int(label, index, length):
    """Returns ``index`` as a non-negative position, or raises a clear IndexError."""
    if index < 0:
        index += length
        if index < 0:
            raise IndexError(f'{label}: index {index - length} is out of range for a dataset '
                             f'of length {length}')
    elif index >= length:
        raise IndexError(f'{label}: index {index} is out of range for a dataset of length '
                         f'{length}')
    return index


def take(label, dataset, indices, length):
    """``dataset[indices]`` for a list, a 1-D integer array or a boolean mask, for any dataset."""
    indices = positions(label, indices, length)
    if isinstance(dataset, numpy.ndarray) or backend.is_gpu_array(dataset):
        try:
            return dataset[indices]
        except IndexError:
            pass  # fall through to the per-index check, which names the culprit
    return [dataset[check_int(label, int(i), length)] for i in indices]
