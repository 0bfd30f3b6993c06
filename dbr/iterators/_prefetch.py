"""Prefetching shared by MultithreadIterator and MultiprocessIterator."""
import collections

import numpy

from dbr.iterators._serialize import serialize_array
from dbr.iterators._statemachine import OrderedIterator, iterator_statemachine
from dbr.serializers import Deserializer


class PrefetchingIterator(OrderedIterator):
    """Requests the next ``n_prefetch`` batches from workers as soon as one is returned.

    Subclasses provide ``_submit(indices)`` (returns futures whose results, concatenated, are
    the examples at ``indices``) and ``_shutdown()``. The batches are those of SerialIterator:
    positions come from the same state machine, only the reads run ahead. A prefetch that
    crosses an epoch draws the next order early, so those orders are kept with the snapshot
    (and across ``finalize``) and reused instead of drawn again: a resumed run sees the same
    orders and the same random stream as one never interrupted.
    """

    n_prefetch = 1

    def reset(self):
        """Goes back to the start of the first epoch, dropping prefetched batches."""
        self._state = self._initial_state()
        # Each pending entry: (state after that batch, futures or None at the end, orders
        # drawn by its state transition).
        self._pending = collections.deque()
        self._replay_orders = []

    def finalize(self):
        """Stops the workers; the next ``next()`` starts new ones."""
        self._drop_pending()
        self._shutdown()

    def _drop_pending(self):
        drawn = [order for _, _, orders in self._pending for order in orders]
        self._replay_orders = drawn + self._replay_orders
        self._pending.clear()

    def __next__(self):
        self._fill()
        state, jobs, _ = self._pending.popleft()
        self._previous_epoch_detail = self.epoch_detail
        self._state = state
        if jobs is None:
            raise StopIteration
        batch = self._collect(jobs)
        self._fill()
        return batch

    def _fill(self):
        pending = self._pending
        while len(pending) < self.n_prefetch:
            if pending and pending[-1][1] is None:
                return  # the iteration ended: nothing more to prefetch
            self._prefetch(pending[-1][0] if pending else self._state)

    def _prefetch(self, state):
        drawn = []
        replay = self._replay_orders
        sampler = self.order_sampler

        def sample(order, position):
            new_order = replay.pop(0) if replay else sampler(order, position)
            drawn.append(new_order)
            return new_order

        state, indices = iterator_statemachine(state, self.batch_size, self._repeat, sample,
                                               len(self.dataset), type(self).__name__)
        jobs = None if indices is None else self._submit(indices)
        self._pending.append((state, jobs, drawn))

    def _collect(self, jobs):
        batch = []
        for job in jobs:
            batch.extend(job.result())
        return batch

    def serialize(self, serializer):
        loading = isinstance(serializer, Deserializer)
        state = self._serialize_state(serializer)
        drawn = [order for _, _, orders in self._pending for order in orders]
        drawn = serialize_array(serializer, 'prefetched_orders',
                                None if loading or not drawn else numpy.stack(drawn))
        if loading:
            self._state = state
            self._pending.clear()
            self._replay_orders = [] if drawn is None else list(drawn)


def split(indices, n_workers):
    """Cuts a batch's indices into at most ``n_workers`` contiguous, non-empty chunks: one
    job per worker instead of one per example."""
    n_jobs = min(n_workers, len(indices))
    return numpy.array_split(indices, n_jobs) if n_jobs else []
