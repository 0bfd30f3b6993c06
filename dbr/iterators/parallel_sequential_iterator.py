"""``ParallelSequentialIterator``: ``batch_size`` parallel streams over one token sequence, for
language models trained with truncated BPTT."""
import numpy

from dbr.dataset.iterator import Iterator
from dbr.iterators._statemachine import check_batch_size


class ParallelSequentialIterator(Iterator):
    """Walks ``batch_size`` cursors through a 1-D token sequence in step, one token per call.

    Cursor ``k`` starts at offset ``k * len(dataset) // batch_size``; every ``next()``
    returns the list of ``(x, t)`` pairs of all cursors, ``t`` being the token after ``x``
    (wrapping around at the end), then moves each cursor on by one token. Calling it
    ``bprop_len`` times and accumulating the loss gives truncated-BPTT windows whose hidden
    state carries over from one window to the next (as in Chainer's PTB example).

    One epoch is ``len(dataset)`` tokens consumed over all streams, i.e.
    ``len(dataset) / batch_size`` calls.

    Args:
        dataset: 1-D sequence of token ids (an integer array, or anything indexable by int).
        batch_size (int): Number of parallel streams.
        repeat (bool): Loop forever (True) or stop once an epoch's tokens were returned.

    Example:
        >>> it = dbr.iterators.ParallelSequentialIterator(numpy.arange(10), 2)
        >>> [(int(x), int(t)) for x, t in next(it)]
        [(0, 1), (5, 6)]
    """

    def __init__(self, dataset, batch_size, repeat=True):
        check_batch_size('ParallelSequentialIterator', batch_size)
        length = len(dataset)
        if length == 0:
            raise ValueError('ParallelSequentialIterator: the dataset is empty')
        self.dataset = dataset
        self.batch_size = batch_size
        self.repeat = repeat
        self.offsets = numpy.arange(batch_size) * length // batch_size
        self.reset()

    def reset(self):
        """Moves every cursor back to its offset."""
        self.epoch = 0
        self.is_new_epoch = False
        self.iteration = 0  # calls of next(), not parameter updates
        self._previous_epoch_detail = -1.  # -1 for None: snapshots hold numbers

    def __next__(self):
        length = len(self.dataset)
        if not self.repeat and self.iteration * self.batch_size >= length:
            raise StopIteration
        positions = self.offsets + self.iteration
        x = self._take(positions % length)
        t = self._take((positions + 1) % length)
        self._previous_epoch_detail = self.epoch_detail
        self.iteration += 1
        epoch = self.iteration * self.batch_size // length
        self.is_new_epoch = self.epoch < epoch
        if self.is_new_epoch:
            self.epoch = epoch
        return list(zip(x, t))

    def _take(self, positions):
        dataset = self.dataset
        if isinstance(dataset, numpy.ndarray):
            return dataset[positions]
        return [dataset[int(p)] for p in positions]

    @property
    def epoch_detail(self):
        """Tokens consumed over all streams, in epochs."""
        return self.iteration * self.batch_size / len(self.dataset)

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last ``next()``; None before the first."""
        return None if self._previous_epoch_detail < 0 else self._previous_epoch_detail

    def serialize(self, serializer):
        self.iteration = serializer('iteration', self.iteration)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)
        self._previous_epoch_detail = serializer('previous_epoch_detail',
                                                 self._previous_epoch_detail)
