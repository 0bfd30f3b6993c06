"""``InverseShift``: Caffe's ``inv`` policy, ``init * (1 + gamma * t) ** -power``."""
from dbr.training.extensions._shift import _Shift, clamp_ratio


class InverseShift(_Shift):
    """Sets ``optimizer.<attr>`` to ``init * (1 + gamma * t) ** (-power)`` at its t-th call.

    The attribute is set to ``init`` before training starts. With ``target``, the value stops
    there once reached (from above when ``power >= 0``, from below otherwise).

    Args:
        attr (str): Attribute of the optimizer to shift.
        gamma (float): Non-negative coefficient of ``t``.
        power (float): Exponent of the decay.
        init (float): Initial value; None reads the optimizer's value when training starts.
        target (float): Value at which the shift stops, or None.
        optimizer: Optimizer to adjust; None uses the updater's ``'main'`` optimizer.

    Example:
        >>> trainer.extend(extensions.InverseShift('lr', 1e-4, 0.75))  # doctest: +SKIP
    """

    def __init__(self, attr, gamma, power, init=None, target=None, optimizer=None):
        if gamma < 0:
            raise ValueError(f'InverseShift: gamma must be non-negative, got {gamma!r}')
        super().__init__(attr, init, optimizer)
        self._gamma = gamma
        self._power = power
        self._target = target

    def _value(self, t):
        value = self._init * (1 + self._gamma * t) ** (-self._power)
        return clamp_ratio(value, self._target, below=self._power >= 0)
