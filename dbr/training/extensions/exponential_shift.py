"""``ExponentialShift``: multiplies an optimizer attribute by ``rate`` at each call."""
from dbr.training.extensions._shift import _Shift, clamp_ratio


class ExponentialShift(_Shift):
    """Sets ``optimizer.<attr>`` to ``init * rate ** t`` at its t-th call.

    The attribute is set to ``init`` before training starts. With ``target``, the value stops
    there once reached (from above when ``rate <= 1``, from below when ``rate > 1``).

    Args:
        attr (str): Attribute of the optimizer to shift, e.g. ``'lr'`` or ``'alpha'``.
        rate (float): Factor applied at each call (non-negative).
        init (float): Initial value; None reads the optimizer's value when training starts.
        target (float): Value at which the shift stops, or None.
        optimizer: Optimizer to adjust; None uses the updater's ``'main'`` optimizer.

    Example:
        >>> trainer.extend(extensions.ExponentialShift('lr', 0.5),
        ...                trigger=(10, 'epoch'))  # doctest: +SKIP
    """

    def __init__(self, attr, rate, init=None, target=None, optimizer=None):
        if rate < 0:
            raise ValueError(f'ExponentialShift: rate must be non-negative, got {rate!r}')
        super().__init__(attr, init, optimizer)
        self._rate = rate
        self._target = target

    def _value(self, t):
        return clamp_ratio(self._init * self._rate ** t, self._target, below=self._rate <= 1)
