"""``IntervalTrigger``: fires every ``period`` iterations or epochs."""


class IntervalTrigger:
    """Fires when the iteration (or epoch) count reaches a multiple of ``period``.

    Epoch periods may be fractional (``(0.5, 'epoch')``): it fires when ``epoch_detail``
    crosses a multiple of the period.

    Args:
        period (int or float): Interval length.
        unit (str): ``'iteration'`` or ``'epoch'``.

    Example:
        >>> trigger = dbr.training.triggers.IntervalTrigger(2, 'epoch')
    """

    def __init__(self, period, unit):
        if unit not in ('epoch', 'iteration'):
            raise ValueError(f"IntervalTrigger: unit must be 'epoch' or 'iteration', got {unit!r}")
        if not period > 0:
            raise ValueError(f'IntervalTrigger: period must be positive, got {period!r}')
        self.period = period
        self.unit = unit

    def __call__(self, trainer):
        updater = trainer.updater
        if self.unit == 'epoch':
            prev = updater.previous_epoch_detail
            if prev < 0:
                prev = updater.epoch_detail - 1.0 / max(1, getattr(updater, 'epoch_length', 1))
            return prev // self.period != updater.epoch_detail // self.period
        return updater.iteration > 0 and updater.iteration % self.period == 0

    def get_training_length(self):
        """``(period, unit)``, used by the Trainer to know when training ends."""
        return self.period, self.unit

    def serialize(self, serializer):
        """Stateless: everything it needs lives in the updater."""

    def __repr__(self):
        return f'IntervalTrigger({self.period}, {self.unit!r})'
