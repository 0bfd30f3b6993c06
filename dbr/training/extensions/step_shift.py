"""``StepShift``: multiplies an optimizer attribute by ``gamma`` every ``step`` calls."""
import math

from dbr.training.extensions._shift import _Shift, clamp_ratio


class StepShift(_Shift):
    """Sets ``optimizer.<attr>`` to ``init * gamma ** floor(t / step)`` at its t-th call.

    The attribute is set to ``init`` before training starts. With ``target``, the value stops
    there once reached (from above when ``gamma <= 1``, from below when ``gamma > 1``).

    Args:
        attr (str): Attribute of the optimizer to shift.
        gamma (float): Factor applied every ``step`` calls.
        step (int): Number of calls between two multiplications.
        init (float): Initial value; None reads the optimizer's value when training starts.
        target (float): Value at which the shift stops, or None.
        optimizer: Optimizer to adjust; None uses the updater's ``'main'`` optimizer.

    Example:
        >>> trainer.extend(extensions.StepShift('lr', 0.1, 30000))  # doctest: +SKIP
    """

    def __init__(self, attr, gamma, step, init=None, target=None, optimizer=None):
        if not step > 0:
            raise ValueError(f'StepShift: step must be positive, got {step!r}')
        super().__init__(attr, init, optimizer)
        self._gamma = gamma
        self._step = step
        self._target = target

    def _value(self, t):
        value = self._init * self._gamma ** float(math.floor(t / self._step))
        return clamp_ratio(value, self._target, below=self._gamma <= 1)
