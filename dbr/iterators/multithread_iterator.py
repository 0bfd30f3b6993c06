"""``MultithreadIterator``: reads the next batch in worker threads while the current one is
being used."""
from concurrent import futures

import numpy

from dbr.iterators._prefetch import PrefetchingIterator, split


class MultithreadIterator(PrefetchingIterator):
    """Like :class:`SerialIterator`, but reads examples with a pool of threads, prefetching.

    As soon as a batch is returned, the examples of the next one are requested from
    ``n_threads`` worker threads, so a slow dataset (decoding images, reading files: work that
    releases the GIL) is read while the model trains. For a given order sampler (and seed) it
    returns exactly the batches of :class:`SerialIterator`.

    The snapshot also holds the orders the pending prefetch drew from the order sampler, so a
    resumed run neither draws them again nor shifts the random stream. Call :meth:`finalize`
    (or use a ``with`` block) to stop the threads.

    Args:
        dataset: Dataset to iterate over.
        batch_size (int): Number of examples per batch.
        repeat (bool): Loop over the dataset forever (True) or stop after one epoch.
        shuffle (bool): Shuffle the order each epoch; None shuffles unless an
            ``order_sampler`` is given.
        n_threads (int): Number of worker threads.
        order_sampler (callable): See :class:`SerialIterator`.

    Example:
        >>> with dbr.iterators.MultithreadIterator(numpy.arange(10), 4, n_threads=2) as it:
        ...     batch = next(it)
    """

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None, n_threads=1,
                 order_sampler=None):
        super().__init__(dataset, batch_size, repeat, shuffle, order_sampler)
        if not (isinstance(n_threads, (int, numpy.integer)) and n_threads > 0):
            raise ValueError(f'MultithreadIterator: n_threads must be a positive int, got '
                             f'{n_threads!r}')
        self.n_threads = n_threads
        self._executor = None
        self.reset()

    def _submit(self, indices):
        if self._executor is None:
            self._executor = futures.ThreadPoolExecutor(self.n_threads)
        return [self._executor.submit(_read, self.dataset, chunk)
                for chunk in split(indices, self.n_threads)]

    def _shutdown(self):
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def _read(dataset, indices):
    return [dataset[i] for i in indices]
