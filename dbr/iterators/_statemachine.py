"""Position arithmetic and state of the ordered iterators (Serial, Multithread, Multiprocess)."""
import collections

import numpy

from dbr.dataset.iterator import Iterator
from dbr.iterators._serialize import serialize_array
from dbr.iterators.order_samplers import ShuffleOrderSampler

IteratorState = collections.namedtuple('IteratorState',
                                       ('current_position', 'epoch', 'is_new_epoch', 'order'))


def iterator_statemachine(state, batch_size, repeat, order_sampler, dataset_len,
                          label='iterator'):
    """Advances ``state`` by one batch; returns ``(new_state, indices)``.

    ``indices`` is None when a non-repeating iterator has finished its epoch. A batch that
    runs past the end of the epoch continues into the next one (with a fresh order from
    ``order_sampler``) when ``repeat``, and is cut short otherwise. ``label`` names the
    iterator in errors.
    """
    i, epoch, _, order = state
    if not repeat and epoch > 0:
        return state, None
    n = dataset_len if order is None else len(order)
    if repeat and n == 0:
        raise ValueError(f'{label}: cannot repeat over an empty dataset')
    i_end = i + batch_size if repeat else min(i + batch_size, n)
    is_new_epoch = False
    parts = []
    while i_end >= n:
        parts.append(numpy.arange(i, n) if order is None else order[i:n])
        if order is not None:
            new_order = order_sampler(order, i)
            if len(new_order) != len(order):
                raise ValueError(f'{label}: the order sampler returned an order of length '
                                 f'{len(new_order)}, but the previous order has length '
                                 f'{len(order)}')
            order = new_order
        i = 0
        epoch += 1
        is_new_epoch = True
        if not repeat:
            i_end = 0
            break
        i_end -= n
    parts.append(numpy.arange(i, i_end) if order is None else order[i:i_end])
    indices = parts[0] if len(parts) == 1 else numpy.concatenate(parts)
    return IteratorState(i_end, epoch, is_new_epoch, order), indices


def check_batch_size(label, batch_size):
    if not (isinstance(batch_size, (int, numpy.integer)) and batch_size > 0):
        raise ValueError(f'{label}: batch_size must be a positive int, got {batch_size!r}')


def make_order_sampler(label, shuffle, order_sampler):
    """The sampler an iterator uses: ``shuffle=None`` and no sampler mean shuffling."""
    if shuffle is not None:
        if order_sampler is not None:
            raise ValueError(f'{label}: give either shuffle or order_sampler, not both '
                             f'(leave shuffle=None to use the order sampler)')
        return ShuffleOrderSampler() if shuffle else None
    return ShuffleOrderSampler() if order_sampler is None else order_sampler


class OrderedIterator(Iterator):
    """What the ordered iterators share: settings, position, serialization."""

    def __init__(self, dataset, batch_size, repeat, shuffle, order_sampler):
        label = type(self).__name__
        check_batch_size(label, batch_size)
        self.dataset = dataset
        self.batch_size = batch_size
        self._repeat = repeat
        self._shuffle = shuffle
        self.order_sampler = make_order_sampler(label, shuffle, order_sampler)

    def _initial_state(self):
        order = None
        if self.order_sampler is not None:
            n = len(self.dataset)
            order = self.order_sampler(numpy.arange(n), 0)
            if len(order) != n:
                raise ValueError(f'{type(self).__name__}: the order sampler returned an order '
                                 f'of length {len(order)} for a dataset of length {n}')
        self._previous_epoch_detail = -1.  # -1 for None: snapshots hold numbers
        return IteratorState(0, 0, False, order)

    @property
    def current_position(self):
        """Position of the next example within the current epoch's order."""
        return self._state.current_position

    @property
    def epoch(self):
        """Number of completed sweeps over the dataset."""
        return self._state.epoch

    @property
    def is_new_epoch(self):
        """True when the last ``next()`` completed a sweep."""
        return self._state.is_new_epoch

    @property
    def epoch_detail(self):
        """``epoch`` plus the fraction of the current sweep already returned."""
        n = self._epoch_size
        return self.epoch + (self.current_position / n if n else 0.)

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last ``next()``; None before the first."""
        return None if self._previous_epoch_detail < 0 else self._previous_epoch_detail

    @property
    def repeat(self):
        return self._repeat

    @property
    def _epoch_size(self):
        order = self._state.order
        return len(self.dataset) if order is None else len(order)

    def _serialize_state(self, serializer):
        """Saves the position, order and sampler state; returns the (loaded) state."""
        state = self._state
        current_position = serializer('current_position', state.current_position)
        epoch = serializer('epoch', state.epoch)
        is_new_epoch = serializer('is_new_epoch', state.is_new_epoch)
        order = state.order
        if order is not None:
            order = serialize_array(serializer, 'order', order)
            if len(order) != len(state.order):
                raise ValueError(f'{type(self).__name__}: the snapshot holds an order of '
                                 f'length {len(order)}, but the dataset has length '
                                 f'{len(state.order)}')
        self._previous_epoch_detail = serializer('previous_epoch_detail',
                                                 self._previous_epoch_detail)
        if hasattr(self.order_sampler, 'serialize'):
            self.order_sampler.serialize(serializer['order_sampler'])
        return IteratorState(current_position, epoch, is_new_epoch, order)
