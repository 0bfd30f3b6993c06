"""Datasets: containers of examples indexable by int, slice or list of ints.

Example:
    >>> ds = dbr.datasets.TupleDataset(numpy.arange(6).reshape(3, 2), numpy.arange(3))
    >>> train, test = dbr.datasets.split_dataset_random(ds, 2, seed=0)
    >>> len(train), len(test)
    (2, 1)
"""
from dbr.datasets.cifar import get_cifar10, get_cifar100  # noqa: F401
from dbr.datasets.concatenated_dataset import ConcatenatedDataset  # noqa: F401
from dbr.datasets.dict_dataset import DictDataset  # noqa: F401
from dbr.datasets.mnist import get_fashion_mnist, get_fashion_mnist_labels, get_mnist  # noqa: F401
from dbr.datasets.ptb import get_ptb_words, get_ptb_words_vocabulary  # noqa: F401
from dbr.datasets.sub_dataset import (SubDataset, get_cross_validation_datasets,  # noqa: F401
                                      get_cross_validation_datasets_random, split_dataset,
                                      split_dataset_n, split_dataset_n_random,
                                      split_dataset_random)
from dbr.datasets.text_dataset import TextDataset  # noqa: F401
from dbr.datasets.transform_dataset import TransformDataset  # noqa: F401
from dbr.datasets.tuple_dataset import TupleDataset  # noqa: F401
