"""``LinearShift``: moves an optimizer attribute linearly between two values."""
from dbr.training.extensions._shift import _Shift


class LinearShift(_Shift):
    """Moves ``optimizer.<attr>`` linearly from ``value_range[0]`` to ``value_range[1]``.

    With ``value_range == (v1, v2)`` and ``time_range == (t1, t2)``, the value after the t-th
    call is ``v1`` while ``t <= t1``, ``v2`` once ``t >= t2``, and
    ``v1 + (t - t1) / (t2 - t1) * (v2 - v1)`` in between. Before training starts it is the
    value at ``t = 0``.

    Args:
        attr (str): Attribute of the optimizer to shift (e.g. ``'momentum'`` for warm-up).
        value_range (tuple of float): First and last values.
        time_range (tuple of int): Call counts where the change starts and ends.
        optimizer: Optimizer to adjust; None uses the updater's ``'main'`` optimizer.

    Example:
        >>> trainer.extend(extensions.LinearShift('lr', (0.1, 0.001), (0, 10000)))  # doctest: +SKIP
    """

    _uses_init = False

    def __init__(self, attr, value_range, time_range, optimizer=None):
        super().__init__(attr, None, optimizer)
        self._value_range = tuple(value_range)
        self._time_range = tuple(time_range)

    def _start_value(self):
        return self._value(self._t)

    def _value(self, t):
        t1, t2 = self._time_range
        v1, v2 = self._value_range
        if t <= t1:
            return v1
        if t >= t2:
            return v2
        return v1 + (t - t1) / (t2 - t1) * (v2 - v1)
