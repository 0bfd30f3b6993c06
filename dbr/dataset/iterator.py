"""``Iterator``: the base class of dataset iterators."""


class Iterator:
    """Base class of dataset iterators: each ``next()`` returns a minibatch (a list of examples).

    Implementations provide ``batch_size``, ``epoch`` (completed sweeps), ``epoch_detail``
    (``epoch`` plus the fraction of the current sweep), ``previous_epoch_detail`` (its value
    before the last ``next()``, None before the first) and ``is_new_epoch`` (True when the last
    ``next()`` finished a sweep), and save/restore their position with ``serialize`` so a
    resumed run continues with the very same batches.

    Example:
        >>> class Repeat(dbr.dataset.Iterator):
        ...     def __next__(self):
        ...         return [0, 1]
        >>> next(Repeat())
        [0, 1]
    """

    def __iter__(self):
        return self

    def __next__(self):
        raise NotImplementedError(f'{type(self).__name__} does not implement __next__')

    def next(self):
        """Same as ``next(iterator)`` (kept for Chainer code calling ``iterator.next()``)."""
        return self.__next__()

    def finalize(self):
        """Releases resources (worker threads, ...); a no-op by default."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.finalize()

    def serialize(self, serializer):
        """Saves or loads the state that changes while iterating (not settings such as the
        batch size); stateless by default."""
