"""``IntervalTrigger``: fires every ``period`` iterations or epochs."""
import warnings


class IntervalTrigger:
    """Fires each time the iteration (or epoch) count crosses a multiple of ``period``.

    The trigger remembers the iteration and ``epoch_detail`` it last saw, so it fires when a
    multiple of the period lies in ``(previous, current]`` even if it is not called every
    iteration, and fractional epoch periods (``(0.5, 'epoch')``) work. That memory is part of a
    trainer snapshot.

    Args:
        period (int or float): Interval length.
        unit (str): ``'iteration'`` or ``'epoch'``.

    Example:
        >>> trigger = dbr.training.triggers.IntervalTrigger(2, 'epoch')
        >>> trigger.get_training_length()
        (2, 'epoch')
    """

    def __init__(self, period, unit):
        if unit not in ('epoch', 'iteration'):
            raise ValueError(f"IntervalTrigger: unit must be 'epoch' or 'iteration', got {unit!r}")
        if not period > 0:
            raise ValueError(f'IntervalTrigger: period must be positive, got {period!r}')
        self.period = period
        self.unit = unit
        self._previous_iteration = 0
        self._previous_epoch_detail = 0.

    def __call__(self, trainer):
        """Returns True when the trainer's updater has just crossed a multiple of the period."""
        updater = trainer.updater
        if self.unit == 'epoch':
            epoch_detail = updater.epoch_detail
            previous = self._previous_epoch_detail
            if previous < 0:  # restored from a snapshot that lacked it: ask the updater
                previous = updater.previous_epoch_detail or 0.
            fire = previous // self.period != epoch_detail // self.period
        else:
            iteration = updater.iteration
            previous = self._previous_iteration
            if previous < 0:
                previous = iteration - 1
            fire = previous // self.period != iteration // self.period
        self._previous_iteration = updater.iteration
        if hasattr(updater, 'epoch_detail'):
            self._previous_epoch_detail = updater.epoch_detail
        return fire

    def get_training_length(self):
        """``(period, unit)``, used by the Trainer and progress bars to know the length."""
        return self.period, self.unit

    def serialize(self, serializer):
        """Saves or loads the last iteration and epoch_detail the trigger saw."""
        self._previous_iteration, self._previous_epoch_detail = _serialize_previous(
            serializer, self._previous_iteration, self._previous_epoch_detail,
            'previous_iteration', 'previous_epoch_detail', 'IntervalTrigger')

    def __repr__(self):
        return f'IntervalTrigger({self.period}, {self.unit!r})'

    __str__ = __repr__


def _serialize_previous(serializer, iteration, epoch_detail, it_key, ep_key, who):
    """Serializes a trigger's remembered position; a snapshot without it gives -1 (unknown)."""
    try:
        iteration = serializer(it_key, iteration)
    except KeyError:
        warnings.warn(f'{who}: the snapshot has no {it_key!r}; the trigger guesses it from the '
                      f'current iteration')
        iteration = -1
    try:
        epoch_detail = serializer(ep_key, epoch_detail)
    except KeyError:
        warnings.warn(f'{who}: the snapshot has no {ep_key!r}; the trigger uses the updater\'s '
                      f'previous_epoch_detail')
        epoch_detail = -1.
    return iteration, epoch_detail
