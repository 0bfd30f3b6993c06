"""``MultistepShift``: multiplies an optimizer attribute by ``gamma`` at given call counts."""
from dbr.training.extensions._shift import _Shift


class MultistepShift(_Shift):
    """Multiplies ``optimizer.<attr>`` by ``gamma`` at each call count listed in ``step_value``.

    With ``step_value == (s1, s2, ...)`` the value is ``init`` before call ``s1``,
    ``init * gamma`` from call ``s1``, ``init * gamma ** 2`` from ``s2``, and so on; at most one
    step is taken per call. Before training starts the attribute is set to ``init``.

    Args:
        attr (str): Attribute of the optimizer to shift.
        gamma (float): Factor applied at each step.
        step_value (sequence of int): Call counts at which the steps happen, ascending.
        init (float): Initial value; None reads the optimizer's value when training starts.
        optimizer: Optimizer to adjust; None uses the updater's ``'main'`` optimizer.

    Example:
        >>> shift = extensions.MultistepShift('lr', 0.1, (30000, 60000), 0.1)  # doctest: +SKIP
        >>> trainer.extend(shift)  # doctest: +SKIP
    """

    def __init__(self, attr, gamma, step_value, init, optimizer=None):
        super().__init__(attr, init, optimizer)
        self._gamma = gamma
        self._step_value = tuple(step_value)
        self._current_step = 0

    def _value(self, t):
        steps = self._step_value
        if self._current_step < len(steps) and t >= steps[self._current_step]:
            self._current_step += 1
        return self._init * self._gamma ** self._current_step

    def serialize(self, serializer):
        super().serialize(serializer)
        self._current_step = serializer('_current_step', self._current_step)
