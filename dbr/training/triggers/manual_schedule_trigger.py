"""``ManualScheduleTrigger``: fires at listed iterations or epochs."""
from dbr.training.triggers.interval_trigger import _serialize_previous


class ManualScheduleTrigger:
    """Fires when the iteration (or epoch) count reaches one of ``points``.

    A point ``p`` fires once, at the first call where ``previous < p <= current``. ``finished``
    turns True once the last point is reached (the Trainer then skips the extension's
    ``initialize`` on a resumed run).

    Args:
        points (int, float, or list of them): Where to fire.
        unit (str): ``'iteration'`` or ``'epoch'``.

    Example:
        >>> trigger = dbr.training.triggers.ManualScheduleTrigger([10, 20], 'epoch')
    """

    def __init__(self, points, unit):
        if unit not in ('epoch', 'iteration'):
            raise ValueError(f"ManualScheduleTrigger: unit must be 'epoch' or 'iteration', "
                             f"got {unit!r}")
        self.points = list(points) if isinstance(points, (list, tuple)) else [points]
        if not self.points:
            raise ValueError('ManualScheduleTrigger: points must not be empty')
        self.unit = unit
        self.finished = False
        self._previous_iteration = 0
        self._previous_epoch_detail = 0.

    def __call__(self, trainer):
        """Returns True when a scheduled point lies in ``(previous, current]``."""
        updater = trainer.updater
        if self.unit == 'epoch':
            current = updater.epoch_detail
            previous = self._previous_epoch_detail
            if previous < 0:
                previous = updater.previous_epoch_detail or 0.
        else:
            current = updater.iteration
            previous = self._previous_iteration
            if previous < 0:
                previous = current - 1
        fire = any(previous < p <= current for p in self.points)
        self.finished = max(self.points) <= current
        self._previous_iteration = updater.iteration
        if hasattr(updater, 'epoch_detail'):
            self._previous_epoch_detail = updater.epoch_detail
        return fire

    def get_training_length(self):
        """``(last point, unit)``: lets the trigger serve as a stop trigger."""
        return max(self.points), self.unit

    def serialize(self, serializer):
        """Saves or loads the remembered position and ``finished``."""
        self._previous_iteration, self._previous_epoch_detail = _serialize_previous(
            serializer, self._previous_iteration, self._previous_epoch_detail,
            '_previous_iteration', '_previous_epoch_detail', 'ManualScheduleTrigger')
        self.finished = bool(serializer('finished', self.finished))

    def __repr__(self):
        return f'ManualScheduleTrigger({self.points}, {self.unit!r})'
