"""Order samplers: they choose the order in which an iterator visits a dataset each epoch."""
import numpy

from dbr.iterators._serialize import serialize_random_state


class OrderSampler:
    """Base class of order samplers.

    An iterator calls ``sampler(current_order, current_position)`` at the start (with
    ``numpy.arange(len(dataset))``) and at the end of every epoch; it returns the next
    epoch's order, a 1-D integer array of the same length.

    Example:
        >>> class Reverse(dbr.iterators.OrderSampler):
        ...     def __call__(self, current_order, current_position):
        ...         return numpy.arange(len(current_order))[::-1]
    """

    def __call__(self, current_order, current_position):
        raise NotImplementedError(f'{type(self).__name__} does not implement __call__')


class ShuffleOrderSampler(OrderSampler):
    """Draws a random permutation each epoch.

    Its random state is part of the iterator's snapshot, so a resumed run draws the same
    future orders.

    Args:
        random_state (numpy.random.RandomState or numpy.random.Generator): Source of the
            permutations; None uses ``numpy.random``'s global state (as Chainer does), which
            is then saved and restored with the iterator.

    Example:
        >>> sampler = dbr.iterators.ShuffleOrderSampler(numpy.random.RandomState(0))
        >>> it = dbr.iterators.SerialIterator(numpy.arange(10), 4, order_sampler=sampler)
    """

    def __init__(self, random_state=None):
        if random_state is None:
            random_state = numpy.random.random.__self__  # the global RandomState
        self._random = random_state

    def __call__(self, current_order, current_position):
        return self._random.permutation(len(current_order))

    def serialize(self, serializer):
        """Saves or restores the random state."""
        serialize_random_state(serializer, self._random)
