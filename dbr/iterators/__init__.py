"""Dataset iterators: they cut a dataset into minibatches, epoch after epoch.

Example:
    >>> it = dbr.iterators.SerialIterator(numpy.arange(10), 4, shuffle=False)
    >>> [int(x) for x in next(it)], it.epoch_detail
    ([0, 1, 2, 3], 0.4)
"""
from dbr.iterators.bucket_iterator import BucketIterator  # noqa: F401
from dbr.iterators.multiprocess_iterator import MultiprocessIterator  # noqa: F401
from dbr.iterators.multithread_iterator import MultithreadIterator  # noqa: F401
from dbr.iterators.order_samplers import OrderSampler, ShuffleOrderSampler  # noqa: F401
from dbr.iterators.parallel_sequential_iterator import ParallelSequentialIterator  # noqa: F401
from dbr.iterators.serial_iterator import SerialIterator  # noqa: F401
