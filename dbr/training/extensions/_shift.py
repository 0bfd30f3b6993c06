"""Shared machinery of the schedules that shift an optimizer attribute (``ExponentialShift``...).

A schedule sets ``optimizer.<attr>`` once in ``initialize`` (the start value, or the value it had
last set when resuming) and then at each of its calls to ``_value(t)``, ``t`` counting its calls.
Its whole state is serialized, including an ``init`` read from the optimizer, so a run resumed
from a snapshot continues the schedule exactly where it stopped.
"""
import numpy

from dbr.serializers import Deserializer
from dbr.training.extension import Extension


class _Shift(Extension):
    """Base of the shift extensions; subclasses define ``_value(t)``.

    ``_value`` returns the attribute's value after the t-th call, or None to leave it as is.
    """

    # Whether `init` (read from the optimizer when None) takes part in the schedule.
    _uses_init = True

    def __init__(self, attr, init, optimizer):
        self._attr = attr
        self._init = init
        self._optimizer = optimizer
        self._t = 0
        self._last_value = None
        self._started_on = None  # the optimizer initialize() adjusted

    def _get_optimizer(self, trainer):
        if self._optimizer is not None:
            return self._optimizer
        return trainer.updater.get_optimizer('main')

    def initialize(self, trainer):
        optimizer = self._started_on = self._get_optimizer(trainer)
        if self._uses_init and self._init is None:
            self._init = getattr(optimizer, self._attr)
        self._prepare(optimizer)
        if self._last_value is not None:  # resumed: restore what the schedule had set
            self._set(optimizer, self._last_value)
        else:
            start = self._start_value()
            if start is not None:
                self._set(optimizer, start)

    def _prepare(self, optimizer):
        """Reads any other value the schedule takes from the optimizer (before it changes)."""

    def _start_value(self):
        return self._init

    def __call__(self, trainer):
        self._t += 1
        value = self._value(self._t)
        if value is not None:
            self._set(self._get_optimizer(trainer), value)

    def _value(self, t):
        raise NotImplementedError

    def _set(self, optimizer, value):
        setattr(optimizer, self._attr, value)
        self._last_value = value

    def serialize(self, serializer):
        self._t = serializer('_t', self._t)
        self._init = serialize_optional(serializer, '_init', self._init)
        self._last_value = serialize_optional(serializer, '_last_value', self._last_value)
        if (isinstance(serializer, Deserializer) and self._started_on is not None
                and self._last_value is not None):
            # Loaded after initialize() (a snapshot's autoload): restore the attribute too.
            setattr(self._started_on, self._attr, self._last_value)


def serialize_optional(serializer, key, value):
    """Saves ``value`` (None is not written), or loads it back, keeping ``value`` when absent.

    Loaded scalars come back as Python scalars.
    """
    if not isinstance(serializer, Deserializer):
        serializer(key, value)
        return value
    loaded = serializer(key, None)
    if loaded is None:
        return value
    if isinstance(loaded, (numpy.ndarray, numpy.generic)) and loaded.ndim == 0:
        return loaded.item()
    return loaded


def clamp_ratio(value, target, below):
    """Chainer's stop-at-``target`` rule, written with a ratio so negative values work too.

    Args:
        value: The scheduled value.
        target: The value not to pass (None: no limit).
        below (bool): Stop once ``value / target < 1`` (a shrinking schedule); otherwise once
            ``value / target > 1`` (a growing one).
    """
    if target is None or target == 0:
        # A zero target is never passed by a shrinking schedule (Chainer divided by zero).
        return value
    ratio = value / target
    if (ratio < 1) if below else (ratio > 1):
        return target
    return value
