"""``SerialIterator``: reads the examples of each batch in the calling thread."""
from dbr.iterators._statemachine import OrderedIterator, iterator_statemachine


class SerialIterator(OrderedIterator):
    """Iterates over a dataset in minibatches, in index order or shuffled each epoch.

    With ``repeat=True`` it loops forever and a batch that crosses the end of an epoch is
    completed with the first examples of the next epoch's order, so every batch has
    ``batch_size`` examples; with ``repeat=False`` the last batch is cut short and the next
    call raises StopIteration.

    Its snapshot (``serialize``) holds the position, epoch, the current order and the order
    sampler's random state, so a run resumed from it returns the same batches as one never
    interrupted.

    Args:
        dataset: Dataset to iterate over (anything with ``len`` and integer indexing).
        batch_size (int): Number of examples per batch.
        repeat (bool): Loop over the dataset forever (True) or stop after one epoch.
        shuffle (bool): Shuffle the order each epoch. None (the default) shuffles unless an
            ``order_sampler`` is given.
        order_sampler (callable): ``f(current_order, current_position)`` returning the next
            epoch's order (see :class:`~dbr.iterators.ShuffleOrderSampler`); needs
            ``shuffle=None``.

    Example:
        >>> it = dbr.iterators.SerialIterator(numpy.arange(5), 2, shuffle=False)
        >>> [[int(x) for x in next(it)] for _ in range(3)], it.epoch
        ([[0, 1], [2, 3], [4, 0]], 1)
    """

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None, order_sampler=None):
        super().__init__(dataset, batch_size, repeat, shuffle, order_sampler)
        self.reset()

    def __next__(self):
        self._previous_epoch_detail = self.epoch_detail
        self._state, indices = iterator_statemachine(
            self._state, self.batch_size, self._repeat, self.order_sampler, len(self.dataset),
            'SerialIterator')
        if indices is None:
            raise StopIteration
        dataset = self.dataset
        return [dataset[i] for i in indices]

    def reset(self):
        """Goes back to the start of the first epoch (drawing a new order when shuffling)."""
        self._state = self._initial_state()

    def serialize(self, serializer):
        self._state = self._serialize_state(serializer)
