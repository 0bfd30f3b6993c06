"""Triggers: callables ``trigger(trainer) -> bool`` saying when extensions run and training ends."""
from dbr.training.triggers.early_stopping_trigger import EarlyStoppingTrigger  # noqa: F401
from dbr.training.triggers.interval_trigger import IntervalTrigger  # noqa: F401
from dbr.training.triggers.manual_schedule_trigger import ManualScheduleTrigger  # noqa: F401
from dbr.training.triggers.minmax_value_trigger import (BestValueTrigger,  # noqa: F401
                                                        MaxValueTrigger, MinValueTrigger)
from dbr.training.triggers.once_trigger import OnceTrigger  # noqa: F401
from dbr.training.triggers.time_trigger import TimeTrigger  # noqa: F401


def _never_fire_trigger(trainer):
    return False


def get_trigger(trigger):
    """Turns a trigger spec into a trigger.

    Args:
        trigger: A callable ``trigger(trainer) -> bool`` (returned as is), a ``(period, unit)``
            pair (an :class:`IntervalTrigger`), or None (a trigger that never fires, as in
            Chainer: ``Trainer(updater)`` without a stop trigger runs until stopped).

    Example:
        >>> dbr.training.triggers.get_trigger((1, 'epoch'))
        IntervalTrigger(1, 'epoch')
    """
    if callable(trigger):
        return trigger
    if trigger is None:
        return _never_fire_trigger
    if isinstance(trigger, (tuple, list)) and len(trigger) == 2:
        return IntervalTrigger(*trigger)
    raise TypeError(f'get_trigger: expected None, (period, unit) or a callable, got {trigger!r}')
