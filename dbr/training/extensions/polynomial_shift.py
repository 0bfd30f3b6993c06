"""``PolynomialShift``: polynomial decay ``init * (1 - t / max_count) ** rate``."""
from dbr.training.extensions._shift import _Shift


class PolynomialShift(_Shift):
    """Sets ``optimizer.<attr>`` to ``init * max(1 - t / max_count, 0) ** rate`` at call t.

    The attribute is set to ``init`` before training starts. With ``target``, the value stops
    there once it has decayed past it (grown past it when ``rate <= 0``).

    Args:
        attr (str): Attribute of the optimizer to shift.
        rate (float): Exponent of the polynomial.
        max_count (int): Number of calls after which the value reaches zero.
        init (float): Initial value; None reads the optimizer's value when training starts.
        target (float): Value at which the shift stops, or None.
        optimizer: Optimizer to adjust; None uses the updater's ``'main'`` optimizer.

    Example:
        >>> trainer.extend(extensions.PolynomialShift('lr', 0.9, 10000))  # doctest: +SKIP
    """

    def __init__(self, attr, rate, max_count, init=None, target=None, optimizer=None):
        if not max_count > 0:
            raise ValueError(f'PolynomialShift: max_count must be positive, got {max_count!r}')
        super().__init__(attr, init, optimizer)
        self._rate = rate
        self._max_count = max_count
        self._target = target

    def _value(self, t):
        decay = max(1 - t / self._max_count, 0)
        if decay == 0 and self._rate < 0:
            value = float('inf') * self._init
        else:
            value = self._init * decay ** self._rate
        target = self._target
        if target is None:
            return value
        if value == 0:
            # Decayed to zero, past any non-zero target (Chainer divided by zero here).
            return target
        ratio = target / value
        if (ratio > 1) if self._rate > 0 else (ratio < 1):
            return target
        return value
