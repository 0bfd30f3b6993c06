"""Dataset building blocks: converters, the ``Iterator`` base class and ``DatasetMixin``.

Example:
    >>> batch = [(numpy.zeros(3, 'f'), 0), (numpy.ones(3, 'f'), 1)]
    >>> x, t = dbr.dataset.concat_examples(batch)
    >>> x.shape, t.shape
    ((2, 3), (2,))
"""
from dbr.dataset.convert import Converter, concat_examples, converter, to_device  # noqa: F401
from dbr.dataset.dataset_mixin import DatasetMixin  # noqa: F401
from dbr.dataset.iterator import Iterator  # noqa: F401
