"""``observe_value`` and ``observe_lr``: record a value in the observation (e.g. for LogReport)."""
from dbr.training.extension import PRIORITY_WRITER, make_extension


def observe_value(observation_key, target_func):
    """Returns an extension storing ``target_func(trainer)`` as ``observation[observation_key]``.

    It runs once per epoch by default (``trainer.extend(..., trigger=...)`` changes that) and
    before the readers (LogReport, PrintReport) of the same iteration.

    Args:
        observation_key (str): Key under which the value is recorded.
        target_func: Callable ``f(trainer)`` returning the value.

    Example:
        >>> trainer.extend(extensions.observe_value(
        ...     'alpha', lambda t: t.updater.get_optimizer('main').alpha))  # doctest: +SKIP
    """
    @make_extension(trigger=(1, 'epoch'), priority=PRIORITY_WRITER)
    def _observe_value(trainer):
        trainer.observation[observation_key] = target_func(trainer)
    return _observe_value


def observe_lr(optimizer_name='main', observation_key='lr'):
    """Returns an extension recording the ``lr`` of an optimizer (once per epoch by default).

    Args:
        optimizer_name (str): Name of the optimizer in the updater.
        observation_key (str): Key under which the value is recorded.

    Example:
        >>> trainer.extend(extensions.observe_lr(), trigger=(1, 'iteration'))  # doctest: +SKIP
    """
    return observe_value(observation_key,
                         lambda trainer: trainer.updater.get_optimizer(optimizer_name).lr)
