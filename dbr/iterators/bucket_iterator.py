"""``BucketIterator``: batches of examples of similar length, to keep padding small."""
import numpy

from dbr.dataset.iterator import Iterator
from dbr.iterators._serialize import serialize_array, serialize_random_state
from dbr.iterators._statemachine import check_batch_size
from dbr.serializers import Deserializer


class BucketIterator(Iterator):
    """Iterates over variable-length examples in batches whose examples have similar lengths.

    How batches are formed: at construction, ``key(example)`` is computed once for every
    example and the examples, sorted by key (stably), are cut into ``n_buckets`` buckets of
    (nearly) equal counts: bucket 0 holds the shortest examples, the last bucket the longest.
    Each epoch, the examples of each bucket are shuffled within the bucket, the buckets are
    laid end to end in ascending key order, and that sequence is cut into consecutive batches
    of ``batch_size``; then the order of the batches is shuffled. So every example appears
    exactly once per epoch, every batch but one is full (the remainder batch, holding the
    longest examples, has ``len(dataset) % batch_size`` examples; no batch wraps into the
    next epoch), and a batch mixes at most two adjacent buckets when buckets hold at least
    ``batch_size`` examples (``n_buckets <= len(dataset) // batch_size``). More buckets give
    tighter lengths, fewer give more varied batches.

    With ``shuffle=False`` nothing is random: batches come in ascending key order, examples of
    equal key in index order (handy for evaluation).

    Its snapshot holds the epoch's arrangement, the position and the random state, so a
    resumed run continues with the same batches.

    Args:
        dataset: Dataset of variable-length examples.
        batch_size (int): Number of examples per batch.
        key (callable): Length (or another numeric sort key) of an example; for ``(x, t)``
            examples, e.g. ``key=lambda example: len(example[0])``.
        n_buckets (int): Number of buckets.
        shuffle (bool): Shuffle within buckets and the order of batches each epoch.
        repeat (bool): Loop forever (True) or stop after one epoch.
        random_state (numpy.random.RandomState or numpy.random.Generator): Source of the
            shuffles; None uses ``numpy.random``'s global state (saved and restored with the
            iterator).

    Example:
        >>> seqs = [numpy.arange(n) for n in [5, 1, 4, 2, 3, 6]]
        >>> it = dbr.iterators.BucketIterator(seqs, 2, n_buckets=3, shuffle=False)
        >>> [[len(s) for s in next(it)] for _ in range(3)]
        [[1, 2], [3, 4], [5, 6]]
    """

    def __init__(self, dataset, batch_size, key=len, n_buckets=10, shuffle=True, repeat=True,
                 random_state=None):
        check_batch_size('BucketIterator', batch_size)
        if not (isinstance(n_buckets, (int, numpy.integer)) and n_buckets > 0):
            raise ValueError(f'BucketIterator: n_buckets must be a positive int, got '
                             f'{n_buckets!r}')
        n = len(dataset)
        if n == 0:
            raise ValueError('BucketIterator: the dataset is empty')
        self.dataset = dataset
        self.batch_size = batch_size
        self.n_buckets = n_buckets
        self.repeat = repeat
        self.shuffle = shuffle
        if random_state is None:
            random_state = numpy.random.random.__self__  # the global RandomState
        self._random = random_state
        keys = numpy.asarray([key(dataset[i]) for i in range(n)])
        self._buckets = numpy.array_split(numpy.argsort(keys, kind='stable'), n_buckets)
        self._n_batches = -(-n // batch_size)
        self.reset()

    def reset(self):
        """Goes back to the start of the first epoch (with a fresh arrangement)."""
        self.epoch = 0
        self.is_new_epoch = False
        self.current_position = 0  # examples returned in the current epoch
        self._batch_index = 0  # batches returned in the current epoch
        self._previous_epoch_detail = -1.  # -1 for None: snapshots hold numbers
        self._arrange()

    def _arrange(self):
        """Draws the epoch's arrangement: examples bucket by bucket, and the batch order."""
        if self.shuffle:
            self._order = numpy.concatenate([self._random.permutation(b) for b in self._buckets])
            self._batch_order = self._random.permutation(self._n_batches)
        else:
            self._order = numpy.concatenate(self._buckets)
            self._batch_order = numpy.arange(self._n_batches)

    def __next__(self):
        if not self.repeat and self.epoch > 0:
            raise StopIteration
        start = int(self._batch_order[self._batch_index]) * self.batch_size
        indices = self._order[start:start + self.batch_size]
        self._previous_epoch_detail = self.epoch_detail
        self._batch_index += 1
        if self._batch_index == self._n_batches:
            self.epoch += 1
            self.is_new_epoch = True
            self.current_position = 0
            self._batch_index = 0
            if self.repeat:
                self._arrange()
        else:
            self.is_new_epoch = False
            self.current_position += len(indices)
        dataset = self.dataset
        return [dataset[i] for i in indices]

    @property
    def epoch_detail(self):
        """``epoch`` plus the fraction of the current epoch's examples already returned."""
        return self.epoch + self.current_position / len(self._order)

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last ``next()``; None before the first."""
        return None if self._previous_epoch_detail < 0 else self._previous_epoch_detail

    def serialize(self, serializer):
        self.current_position = serializer('current_position', self.current_position)
        self._batch_index = serializer('batch_index', self._batch_index)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)
        self._previous_epoch_detail = serializer('previous_epoch_detail',
                                                 self._previous_epoch_detail)
        order = serialize_array(serializer, 'order', self._order)
        batch_order = serialize_array(serializer, 'batch_order', self._batch_order)
        if (order.shape, batch_order.shape) != (self._order.shape, self._batch_order.shape):
            raise ValueError(f'BucketIterator: the snapshot holds an order of {len(order)} '
                             f'examples in {len(batch_order)} batches, but this iterator has '
                             f'{len(self._order)} examples in {self._n_batches} batches')
        if isinstance(serializer, Deserializer):
            self._order, self._batch_order = order, batch_order
        if self.shuffle:
            serialize_random_state(serializer['random_state'], self._random)
