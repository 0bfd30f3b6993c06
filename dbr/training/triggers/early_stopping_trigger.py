"""``EarlyStoppingTrigger``: a stop trigger that fires when a monitored value stops improving."""
import operator
import warnings

from dbr import reporter


class EarlyStoppingTrigger:
    """Stops training when ``monitor`` has not improved for ``patience`` checks.

    Meant as the Trainer's ``stop_trigger``. Each call adds the monitored value to a running
    mean; when ``check_trigger`` fires the mean is compared with the best so far. It fires
    (stop) after ``patience`` checks in a row without improvement, or when ``max_trigger``
    fires.

    Args:
        check_trigger: When to compare (``(1, 'epoch')``).
        monitor (str): Observation key to watch.
        patience (int): Checks without improvement tolerated (3 when None).
        mode (str): ``'max'``, ``'min'``, or ``'auto'`` (max when ``'accuracy'`` is in the key).
        verbose (bool): Print the chosen mode and when it stops.
        max_trigger: Upper bound on the training length (``(100, 'epoch')``).
        patients (int): Old spelling of ``patience``.

    Example:
        >>> stop = dbr.training.triggers.EarlyStoppingTrigger(
        ...     monitor='validation/main/loss', patience=2, max_trigger=(50, 'epoch'))
    """

    def __init__(self, check_trigger=(1, 'epoch'), monitor='main/loss', patience=None,
                 mode='auto', verbose=False, max_trigger=(100, 'epoch'), *, patients=None):
        from dbr.training.triggers import get_trigger
        if patients is not None:
            if patience is not None:
                raise TypeError("EarlyStoppingTrigger: give 'patience' only ('patients' is its "
                                "old spelling)")
            patience = patients
        if patience is None:
            patience = 3
        if mode not in ('auto', 'max', 'min'):
            raise ValueError(f"EarlyStoppingTrigger: mode must be 'auto', 'max' or 'min', "
                             f"got {mode!r}")
        self.count = 0
        self.patience = patience
        self.monitor = monitor
        self.verbose = verbose
        self._max_trigger = get_trigger(max_trigger)
        self._interval_trigger = get_trigger(check_trigger)
        self._summary = reporter.DictSummary()
        if mode == 'max' or (mode == 'auto' and 'accuracy' in monitor):
            self._compare = operator.gt
            self.best = float('-inf')
        else:
            self._compare = operator.lt
            self.best = float('inf')
        if verbose:
            print('early stopping: operator is',
                  'greater' if self._compare is operator.gt else 'less')

    def __call__(self, trainer):
        """Returns True when training should stop."""
        observation = trainer.observation
        if self.monitor in observation:
            self._summary.add({self.monitor: observation[self.monitor]})
        if self._max_trigger(trainer):
            return True
        if not self._interval_trigger(trainer):
            return False
        if self.monitor not in observation:
            warnings.warn(f'EarlyStoppingTrigger: {self.monitor!r} is not in the observation')
            return False
        current = self._summary.compute_mean()[self.monitor]
        self._summary = reporter.DictSummary()
        if self._compare(current, self.best):
            self.best = current
            self.count = 0
        else:
            self.count += 1
        if self.count >= self.patience:
            if self.verbose:
                print(f'Epoch {trainer.updater.epoch}: early stopping')
            return True
        return False

    def get_training_length(self):
        """The ``max_trigger``'s length: the most training can last."""
        return self._max_trigger.get_training_length()

    def serialize(self, serializer):
        """Saves or loads the count, the best value, the running mean and both triggers."""
        self._interval_trigger.serialize(serializer['interval_trigger'])
        self._max_trigger.serialize(serializer['max_trigger'])
        self._summary.serialize(serializer['summary'])
        self.count = int(serializer('count', self.count))
        self.best = float(serializer('best', self.best))
