"""``MultiprocessIterator``: reads the next batches in worker processes, for datasets whose
examples cost CPU time in Python (augmentation, decoding)."""
import multiprocessing
import os
import sys
import warnings
from concurrent import futures
from concurrent.futures import process

import numpy

from dbr.iterators._prefetch import PrefetchingIterator, split


class MultiprocessIterator(PrefetchingIterator):
    """Like :class:`SerialIterator`, but reads examples in worker processes, prefetching.

    The next ``n_prefetch`` batches are requested as soon as a batch is returned; each batch
    is cut into one contiguous chunk per worker. The batches are exactly those of
    :class:`SerialIterator` for the same order sampler, and the snapshot keeps the orders
    the prefetches already drew, so a resumed run continues identically.

    Workers start with the first ``next()`` using :mod:`multiprocessing`'s default start
    method: with ``fork`` (Linux before Python 3.14) they inherit the dataset; with
    ``forkserver``/``spawn`` the dataset is pickled once per worker, so it must be picklable
    (no lambdas). Examples come back pickled. Each worker reseeds ``numpy.random`` from the
    OS, so random augmentation differs between workers (and is not reproducible).
    Call :meth:`finalize` (or use a ``with`` block) to stop the workers.

    Args:
        dataset: Dataset to iterate over.
        batch_size (int): Number of examples per batch.
        repeat (bool): Loop over the dataset forever (True) or stop after one epoch.
        shuffle (bool): Shuffle the order each epoch; None shuffles unless an
            ``order_sampler`` is given.
        n_processes (int): Number of worker processes (the number of CPUs when None).
        n_prefetch (int): Number of batches requested ahead.
        shared_mem: Accepted for compatibility and unused: examples travel by pickle.
        order_sampler (callable): See :class:`SerialIterator`.
        dataset_timeout (float): Seconds after which a batch still loading is reported with a
            :class:`MultiprocessIterator.TimeoutWarning` (then it keeps waiting); None never
            warns.
        maxtasksperchild (int): Restart each worker after this many chunks (bounds memory
            leaks in dataset code); needs a non-``fork`` start method, so ``forkserver`` is
            used when the default is ``fork``.

    Example:
        >>> with dbr.iterators.MultiprocessIterator(numpy.arange(10), 4,
        ...                                          n_processes=2) as it:  # doctest: +SKIP
        ...     batch = next(it)
    """

    class TimeoutWarning(RuntimeWarning):
        """A batch took longer than ``dataset_timeout`` seconds to load."""

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None, n_processes=None,
                 n_prefetch=1, shared_mem=None, order_sampler=None, dataset_timeout=30.0,
                 maxtasksperchild=None):
        super().__init__(dataset, batch_size, repeat, shuffle, order_sampler)
        if n_processes is None:
            n_processes = os.cpu_count() or 1
        for name, value in (('n_processes', n_processes), ('n_prefetch', n_prefetch)):
            if not (isinstance(value, (int, numpy.integer)) and value > 0):
                raise ValueError(f'MultiprocessIterator: {name} must be a positive int, got '
                                 f'{value!r}')
        self.n_processes = n_processes
        self.n_prefetch = n_prefetch
        self.shared_mem = shared_mem
        self.dataset_timeout = dataset_timeout
        if maxtasksperchild is not None and sys.version_info < (3, 11):
            raise ValueError('MultiprocessIterator: maxtasksperchild needs Python 3.11 or newer '
                             '(concurrent.futures restarts workers only from 3.11 on); got '
                             f'maxtasksperchild={maxtasksperchild!r} on Python '
                             f'{sys.version_info.major}.{sys.version_info.minor}')
        self.maxtasksperchild = maxtasksperchild
        self._executor = None
        self.reset()

    def _submit(self, indices):
        if self._executor is None:
            self._executor = self._start_workers()
        return [self._executor.submit(_read_in_worker, chunk)
                for chunk in split(indices, self.n_processes)]

    def _start_workers(self):
        context = multiprocessing.get_context()
        kwargs = {}
        if self.maxtasksperchild is not None:
            if context.get_start_method() == 'fork':
                context = multiprocessing.get_context('forkserver')
            kwargs['max_tasks_per_child'] = self.maxtasksperchild
        return futures.ProcessPoolExecutor(self.n_processes, mp_context=context,
                                           initializer=_init_worker, initargs=(self.dataset,),
                                           **kwargs)

    def _collect(self, jobs):
        if self.dataset_timeout is not None:
            _, not_done = futures.wait(jobs, timeout=self.dataset_timeout)
            if not_done:
                warnings.warn(f'MultiprocessIterator: a batch has been loading for more than '
                              f'{self.dataset_timeout} s; the dataset may be stalled (still '
                              f'waiting)', self.TimeoutWarning, stacklevel=3)
        try:
            return super()._collect(jobs)
        except process.BrokenProcessPool as e:
            self.finalize()
            raise RuntimeError('MultiprocessIterator: a worker process died while reading the '
                               'dataset (killed, out of memory, or the dataset could not be '
                               'sent to it)') from e

    def _shutdown(self):
        executor, self._executor = self._executor, None
        if executor is not None:
            # With worker replacement (maxtasksperchild), CPython's pool manager thread may
            # still be replacing a worker: shutting down without waiting races with it.
            executor.shutdown(wait=self.maxtasksperchild is not None, cancel_futures=True)


_worker_dataset = None


def _init_worker(dataset):
    global _worker_dataset
    _worker_dataset = dataset
    numpy.random.seed()  # forked workers would otherwise all share the parent's stream


def _read_in_worker(indices):
    dataset = _worker_dataset
    return [dataset[i] for i in indices]
