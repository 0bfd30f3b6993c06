"""``TimeTrigger``: fires every ``period`` seconds of training time."""


class TimeTrigger:
    """Fires at the first call after each multiple of ``period`` seconds of
    ``trainer.elapsed_time`` (which includes the time before a resumed snapshot).

    After a pause longer than several periods it fires at consecutive calls until it has
    caught up, one period per call. The next firing time is part of a trainer snapshot.

    Args:
        period (float): Interval in seconds.

    Example:
        >>> trainer.extend(extensions.snapshot(),  # doctest: +SKIP
        ...                trigger=dbr.training.triggers.TimeTrigger(3600))
    """

    def __init__(self, period):
        if not period > 0:
            raise ValueError(f'TimeTrigger: period must be positive, got {period!r}')
        self._period = period
        self._next_time = period

    def __call__(self, trainer):
        """True when the elapsed training time has passed the next multiple of the period."""
        if self._next_time < trainer.elapsed_time:
            self._next_time += self._period
            return True
        return False

    def serialize(self, serializer):
        """Saves or loads the next firing time."""
        self._next_time = float(serializer('next_time', self._next_time))

    def __repr__(self):
        return f'TimeTrigger({self._period})'
