"""Recurrent state Variables (``h``, ``c``) that follow their link across devices.

``Link.to_device`` moves parameters and persistents only, and is applied to a whole tree from
its root, so a stateful cell cannot hook into it. Instead the cell remembers the device its
state lives on; when the link's device has changed since, the state Variables are moved in
place (so references to them, e.g. for ``h.unchain_backward()``, stay valid) on next access.
"""
import numpy

from dbr import backend
from dbr.variable import Variable
from dbr.variable import as_variable


def _check_array(value, label, name):
    if isinstance(value, numpy.ndarray) or backend.is_gpu_array(value):
        return value
    raise TypeError(f'{label}: the state {name} must be a Variable, an array or None, got '
                    f'{type(value).__name__}')


class RecurrentState:
    """Mixin for a Link whose recurrent state lives in the attributes named ``state_names``.

    A subclass lists the names in ``state_names`` and declares each one with
    :func:`state_attribute`; ``forward`` reads the state through those attributes and stores
    the new one with :meth:`_store_state` (no device check on that path).
    """

    state_names = ()

    def _sync_state(self):
        """Moves the state to the link's device if the link moved since the state was stored."""
        d = self.__dict__
        device = self._device
        if d.get('_state_device') is not device:
            for name in self.state_names:
                value = d.get('_' + name)
                if value is not None:
                    value.to_device(device)
            d['_state_device'] = device

    def _store_state(self, **state):
        """Stores state Variables computed on the link's device."""
        d = self.__dict__
        for name, value in state.items():
            d['_' + name] = value
        d['_state_device'] = self._device


def state_attribute(name, doc):
    """A property for the state ``name`` of a :class:`RecurrentState` link.

    Reading it returns the Variable on the link's current device (or None). Assigning a
    Variable moves it (in place) to the link's device, an array is wrapped in a Variable
    first, and None clears the state.

    Example:
        >>> h = state_attribute('h', 'The hidden state.')  # doctest: +SKIP
    """
    key = '_' + name

    def get(self):
        self._sync_state()
        return self.__dict__.get(key)

    def set(self, value):
        if value is not None:
            if not isinstance(value, Variable):
                value = as_variable(_check_array(value, type(self).__name__, name))
            value.to_device(self._device)
        self._sync_state()
        self.__dict__[key] = value

    return property(get, set, doc=doc)
