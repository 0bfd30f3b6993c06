"""Reporting observed values: ``dbr.report``, ``Reporter``, ``Summary``, ``DictSummary``.

A Reporter maps observer objects (links, usually) to names. Inside ``reporter.scope(d)``,
``dbr.report({'loss': loss}, model)`` stores ``d['main/loss'] = loss`` when ``model`` was
registered as ``'main'``. Outside any scope, ``report`` does nothing, so models can report
unconditionally.
"""
import contextlib
import threading

import numpy

from dbr import backend
from dbr.configuration import config

_local = threading.local()


def _stack():
    stack = getattr(_local, 'reporters', None)
    if stack is None:
        stack = _local.reporters = []
    return stack


class Reporter:
    """Collects reported values into the current observation dictionary.

    Example:
        >>> reporter = dbr.Reporter()
        >>> reporter.add_observer('main', model)  # doctest: +SKIP
        >>> with reporter.scope(observation):  # doctest: +SKIP
        ...     dbr.report({'loss': 1.0}, model)
    """

    def __init__(self):
        self._observer_names = {}
        self.observation = {}

    def __enter__(self):
        _stack().append(self)
        return self

    def __exit__(self, *exc):
        _stack().pop()
        return False

    @contextlib.contextmanager
    def scope(self, observation):
        """Makes this the current reporter, writing into ``observation`` within the block."""
        old = self.observation
        self.observation = observation
        self.__enter__()
        try:
            yield
        finally:
            self.__exit__()
            self.observation = old

    def add_observer(self, name, observer):
        """Registers ``observer`` under ``name`` (its reports get the prefix ``name/``)."""
        self._observer_names[id(observer)] = name

    def add_observers(self, prefix, observers):
        """Registers ``(name, observer)`` pairs under ``prefix + name``, e.g. a link's namedlinks."""
        for name, observer in observers:
            self._observer_names[id(observer)] = prefix + name

    def report(self, values, observer=None):
        """Stores ``values`` (a dict) in the observation, prefixed by the observer's name."""
        if not config.keep_graph_on_report:
            values = {k: _detach(v) for k, v in values.items()}
        if observer is not None:
            name = self._observer_names.get(id(observer))
            if name is None:
                raise KeyError(f'dbr.report: the observer {type(observer).__name__} is not '
                               f'registered with the current reporter')
            values = {f'{name}/{k}': v for k, v in values.items()}
        self.observation.update(values)


def _detach(value):
    from dbr.variable import Variable
    if isinstance(value, Variable):
        return Variable(value.array, requires_grad=False)
    return value


def get_current_reporter():
    """Returns the innermost active Reporter (raises if none is active)."""
    stack = _stack()
    if not stack:
        raise RuntimeError('dbr.get_current_reporter: no reporter is active')
    return stack[-1]


def report(values, observer=None):
    """Reports ``values`` to the current reporter; does nothing outside a reporter's scope.

    Args:
        values (dict): Names to values (Variables, arrays or scalars).
        observer: Object registered with the reporter; its name prefixes the keys.

    Example:
        >>> dbr.report({'loss': loss, 'accuracy': acc}, self)  # doctest: +SKIP
    """
    stack = _stack()
    if stack:
        stack[-1].report(values, observer)


@contextlib.contextmanager
def report_scope(observation):
    """Within the block, reports to the current reporter land in ``observation``.

    Example:
        >>> obs = {}
        >>> with dbr.reporter.report_scope(obs):  # doctest: +SKIP
        ...     dbr.report({'x': 1})
    """
    current = get_current_reporter()
    old = current.observation
    current.observation = observation
    try:
        yield
    finally:
        current.observation = old


def _to_float(value):
    """A Python float; a GPU scalar stays on its device as a 0-d float64 array.

    Reading a GPU value back waits for the device, so summaries accumulate on the device and
    read back once, when a mean is taken (every ``LogReport`` interval, not every iteration).
    """
    from dbr.variable import Variable
    if isinstance(value, Variable):
        value = value.array
    if backend.is_gpu_array(value):
        if value.size != 1:
            raise TypeError(f'reporter: only scalars are summarized, got shape {value.shape}')
        return value.reshape(()).astype(numpy.float64)
    return float(value)


class Summary:
    """Online mean and standard deviation of scalars (optionally weighted).

    Example:
        >>> s = dbr.reporter.Summary(); s.add(1.0); s.add(3.0); s.compute_mean()
        2.0
    """

    def __init__(self):
        self._x = 0.0
        self._x2 = 0.0
        self._n = 0.0

    def add(self, value, weight=1):
        value = _to_float(value)
        self._x += weight * value
        self._x2 += weight * value * value
        self._n += weight

    def compute_mean(self):
        if self._n == 0:
            raise ZeroDivisionError('Summary.compute_mean: nothing was added')
        return float(self._x / self._n)

    def make_statistics(self):
        """Returns ``(mean, std)``."""
        mean = self.compute_mean()
        var = max(float(self._x2 / self._n) - mean * mean, 0.0)
        return mean, var ** 0.5

    def serialize(self, serializer):
        self._x = serializer('_x', float(self._x))
        self._x2 = serializer('_x2', float(self._x2))
        self._n = serializer('_n', float(self._n))


class DictSummary:
    """Per-key :class:`Summary` of a stream of dictionaries (non-scalar values are ignored).

    Example:
        >>> s = dbr.reporter.DictSummary(); s.add({'loss': 1.0}); s.add({'loss': 3.0})
        >>> s.compute_mean()
        {'loss': 2.0}
    """

    def __init__(self):
        self._summaries = {}

    def add(self, d):
        for key, value in d.items():
            if isinstance(value, tuple) and len(value) == 2:
                value, weight = value
            else:
                weight = 1
            try:
                value = _to_float(value)
            except (TypeError, ValueError):
                continue  # not a scalar: summaries hold numbers only
            self._summaries.setdefault(key, Summary()).add(value, weight)

    def compute_mean(self):
        return {k: s.compute_mean() for k, s in self._summaries.items()}

    def make_statistics(self):
        """Returns ``{key: mean, key + '.std': std}``."""
        stats = {}
        for key, s in self._summaries.items():
            mean, std = s.make_statistics()
            stats[key] = mean
            stats[key + '.std'] = std
        return stats

    def serialize(self, serializer):
        keys = list(self._summaries)
        from dbr.serializers import Deserializer
        if isinstance(serializer, Deserializer):
            stored = serializer('_keys', None)
            keys = [] if stored is None else [str(k) for k in stored]
            self._summaries = {k: Summary() for k in keys}
        else:
            serializer('_keys', numpy.array(keys, dtype=str))
        for key in keys:
            self._summaries[key].serialize(serializer['_summaries'][key])
