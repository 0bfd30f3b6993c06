"""``MaxValueTrigger``/``MinValueTrigger``: fire when a reported value hits a new best."""
from dbr import reporter


class BestValueTrigger:
    """Fires when the mean of ``key`` over an interval beats the best mean seen so far.

    Every call adds ``trainer.observation[key]`` (when present) to a running mean; when the
    interval ``trigger`` fires, the mean is compared with the best one by
    ``compare(best, new)``, the running mean restarts, and the trigger fires on improvement.

    Args:
        key (str): Observation key to watch, e.g. ``'validation/main/loss'``.
        compare: ``compare(best_value, new_value) -> bool``, True when ``new_value`` is better.
        trigger: Interval at which the mean is compared (``(1, 'epoch')`` by default).

    Example:
        >>> t = dbr.training.triggers.BestValueTrigger('main/loss', lambda b, v: v < b)
    """

    def __init__(self, key, compare, trigger=(1, 'epoch')):
        from dbr.training.triggers import get_trigger
        self._key = key
        self._best_value = None
        self._interval_trigger = get_trigger(trigger)
        self._summary = reporter.DictSummary()
        self._compare = compare

    def __call__(self, trainer):
        """Accumulates the watched value; at each interval, True on a new best mean."""
        key = self._key
        observation = trainer.observation
        if key in observation:
            self._summary.add({key: observation[key]})
        if not self._interval_trigger(trainer):
            return False
        stats = self._summary.compute_mean()
        if key not in stats:
            raise KeyError(f'{type(self).__name__}: key {key!r} was never reported during the '
                           f'interval (reported: {sorted(observation)})')
        value = float(stats[key])
        self._summary = reporter.DictSummary()
        if self._best_value is None or self._compare(self._best_value, value):
            self._best_value = value
            return True
        return False

    @property
    def best_value(self):
        """The best mean so far (None before the first comparison)."""
        return self._best_value

    def serialize(self, serializer):
        """Saves or loads the interval trigger, the running mean and the best value."""
        self._interval_trigger.serialize(serializer['interval_trigger'])
        self._summary.serialize(serializer['summary'])
        best = serializer('best_value', self._best_value)
        self._best_value = None if best is None else float(best)


class MaxValueTrigger(BestValueTrigger):
    """Fires when the mean of ``key`` over an interval reaches a new maximum.

    Args:
        key (str): Observation key, e.g. ``'validation/main/accuracy'``.
        trigger: Comparison interval (``(1, 'epoch')`` by default).

    Example:
        >>> trainer.extend(extensions.snapshot_object(model, 'best'),  # doctest: +SKIP
        ...                trigger=MaxValueTrigger('validation/main/accuracy'))
    """

    def __init__(self, key, trigger=(1, 'epoch')):
        super().__init__(key, _greater, trigger)


class MinValueTrigger(BestValueTrigger):
    """Fires when the mean of ``key`` over an interval reaches a new minimum.

    Args:
        key (str): Observation key, e.g. ``'validation/main/loss'``.
        trigger: Comparison interval (``(1, 'epoch')`` by default).

    Example:
        >>> trainer.extend(extensions.snapshot_object(model, 'best'),  # doctest: +SKIP
        ...                trigger=MinValueTrigger('validation/main/loss'))
    """

    def __init__(self, key, trigger=(1, 'epoch')):
        super().__init__(key, _less, trigger)


# Module-level functions rather than lambdas keep the triggers picklable.
def _greater(best, value):
    return value > best


def _less(best, value):
    return value < best
