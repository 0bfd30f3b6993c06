"""``WarmupShift``: raises an optimizer attribute linearly to its value over the first calls."""
from dbr.training.extensions._shift import _Shift, serialize_optional


class WarmupShift(_Shift):
    """Moves ``optimizer.<attr>`` evenly from ``warmup_start`` to ``init`` in ``warmup_iter`` calls.

    Before training starts the attribute is set to ``warmup_start``; after the t-th call
    (``t <= warmup_iter``) it is ``(t * init + (warmup_iter - t) * warmup_start) / warmup_iter``,
    and later calls leave it unchanged.

    Args:
        attr (str): Attribute of the optimizer to adjust.
        warmup_start (float): Value at the start of training (None: the optimizer's value).
        warmup_iter (int): Number of calls the warm-up takes.
        init (float): Value reached after the warm-up; None reads the optimizer's value when
            training starts (Chainer requires it).
        optimizer: Optimizer to adjust; None uses the updater's ``'main'`` optimizer.

    Example:
        >>> trainer.extend(extensions.WarmupShift('lr', 0.0, 1000, 0.1))  # doctest: +SKIP
    """

    def __init__(self, attr, warmup_start, warmup_iter, init=None, optimizer=None):
        if not warmup_iter > 0:
            raise ValueError(f'WarmupShift: warmup_iter must be positive, got {warmup_iter!r}')
        super().__init__(attr, init, optimizer)
        self._warmup_start = warmup_start
        self._warmup_iter = warmup_iter

    def _prepare(self, optimizer):
        if self._warmup_start is None:
            self._warmup_start = getattr(optimizer, self._attr)

    def _start_value(self):
        return self._warmup_start

    def _value(self, t):
        if t > self._warmup_iter:
            return None
        n = self._warmup_iter
        return (t * self._init + (n - t) * self._warmup_start) / n

    def serialize(self, serializer):
        super().serialize(serializer)
        self._warmup_start = serialize_optional(serializer, '_warmup_start', self._warmup_start)
