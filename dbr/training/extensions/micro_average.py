"""``MicroAverage``: a ratio of sums (e.g. accuracy over examples, not over batches)."""
from dbr import reporter
from dbr.training import extension
from dbr.training.triggers import get_trigger


class MicroAverage(extension.Extension):
    """Reports ``sum(numerators) / sum(denominators)`` of two observed values over an interval.

    A model reports, per batch, a numerator ``n_i`` (e.g. the number of correct predictions)
    and a denominator ``d_i`` (e.g. the number of examples). This extension adds them up at
    every iteration where both are observed and, when ``trigger`` fires at such an iteration,
    reports ``sum n_i / sum d_i`` as ``result_key`` and starts over. Unlike the mean of the
    per-batch ratios, batches weigh by their size. It runs as an editor
    (``PRIORITY_EDITOR``): after the Evaluator wrote its values and before LogReport reads.
    The running sums and the trigger are part of a trainer snapshot.

    Args:
        numerator_key (str): Observation key of the numerator, e.g. ``'main/correct'``.
        denominator_key (str): Observation key of the denominator, e.g. ``'main/total'``.
        result_key (str): Key under which the ratio is reported, e.g. ``'main/accuracy'``.
        trigger: When to report the ratio (``(1, 'epoch')``); checked only at iterations
            where both values are observed.

    Example:
        >>> trainer.extend(extensions.MicroAverage(  # doctest: +SKIP
        ...     'main/correct', 'main/total', 'main/accuracy'))
    """

    priority = extension.PRIORITY_EDITOR

    def __init__(self, numerator_key, denominator_key, result_key, trigger=(1, 'epoch')):
        self._numerator_key = numerator_key
        self._denominator_key = denominator_key
        self._result_key = result_key
        self._trigger = get_trigger(trigger)
        self._numerator = 0.
        self._denominator = 0.

    def __call__(self, trainer):
        observation = trainer.observation
        if self._numerator_key not in observation or self._denominator_key not in observation:
            return
        self._numerator += reporter._to_float(observation[self._numerator_key])
        self._denominator += reporter._to_float(observation[self._denominator_key])
        if self._trigger(trainer):
            if self._denominator == 0:
                raise ZeroDivisionError(
                    f'MicroAverage: the sum of {self._denominator_key!r} is 0, so '
                    f'{self._result_key!r} is undefined')
            result = self._numerator / self._denominator
            self._numerator = 0.
            self._denominator = 0.
            reporter.report({self._result_key: result})

    def serialize(self, serializer):
        """Saves or loads the running sums and the trigger."""
        if hasattr(self._trigger, 'serialize'):
            self._trigger.serialize(serializer['_trigger'])
        self._numerator = float(serializer('_numerator', self._numerator))
        self._denominator = float(serializer('_denominator', self._denominator))
