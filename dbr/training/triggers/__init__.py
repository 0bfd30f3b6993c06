"""Triggers: callables ``trigger(trainer) -> bool`` deciding when extensions run."""
from dbr.training.triggers.interval_trigger import IntervalTrigger  # noqa: F401


def get_trigger(trigger):
    """Turns ``None``, ``(period, unit)`` or a callable into a trigger.

    Example:
        >>> dbr.training.triggers.get_trigger((1, 'epoch'))
        IntervalTrigger(1, 'epoch')
    """
    if trigger is None:
        return IntervalTrigger(1, 'iteration')
    if callable(trigger):
        return trigger
    if isinstance(trigger, (tuple, list)) and len(trigger) == 2:
        return IntervalTrigger(*trigger)
    raise TypeError(f'get_trigger: expected None, (period, unit) or a callable, got {trigger!r}')
