"""``Trainer``: runs an updater until a stop trigger fires, calling extensions along the way."""
import collections
import os
import random
import sys
import time
import traceback

import numpy

from dbr import reporter as reporter_module
from dbr.serializers import Deserializer
from dbr.training import extension as extension_module
from dbr.training import triggers as trigger_module


class _ExtensionEntry:
    def __init__(self, extension, priority, trigger, call_before_training):
        self.extension = extension
        self.trigger = trigger
        self.priority = priority
        self.call_before_training = call_before_training


class Trainer:
    """The training loop: ``updater.update()`` then the due extensions, until ``stop_trigger``.

    Each iteration runs inside ``reporter.scope(trainer.observation)``: the updater's and the
    extensions' ``dbr.report`` calls land in ``trainer.observation`` (a fresh dict each
    iteration), under ``main/...`` for values the main optimizer's target (or one of its
    sublinks, ``main/<path>``) reports. Extensions run in decreasing priority order.

    ``serialize`` saves everything a resumed run needs: the updater (iterators, optimizers,
    models, iteration), every extension's state and trigger, the stop trigger, the elapsed time
    and the random states of Python's ``random``, NumPy's global generator and (when used)
    CuPy's generators. A snapshot taken by :func:`~dbr.training.extensions.snapshot`, loaded
    into a freshly built identical trainer, continues bit for bit like an uninterrupted run:
    the snapshot extension saves the trainer once every extension of its iteration has run
    (in Chainer the extensions after it were saved before their turn, so a resumed run
    repeated their work of that iteration one iteration late).

    Args:
        updater: The updater (e.g. :class:`~dbr.training.updaters.StandardUpdater`).
        stop_trigger: When to stop: ``(n, 'epoch')``, ``(n, 'iteration')``, or a trigger
            (e.g. :class:`~dbr.training.triggers.EarlyStoppingTrigger`); None never stops.
        out (str): Output folder of the extensions (log, snapshots).
        extensions (list): Extensions to register with :meth:`extend` right away.

    Attributes:
        updater, stop_trigger, out: As given.
        observation (dict): What was reported during the current iteration.
        reporter (dbr.Reporter): The reporter of the loop, with the optimizers' targets
            registered as observers.

    Example:
        >>> trainer = dbr.training.Trainer(updater, (10, 'epoch'), out='result')  # doctest: +SKIP
        >>> trainer.extend(extensions.LogReport())  # doctest: +SKIP
        >>> trainer.run()  # doctest: +SKIP
    """

    def __init__(self, updater, stop_trigger=None, out='result', extensions=None):
        self.updater = updater
        self.stop_trigger = trigger_module.get_trigger(stop_trigger)
        self.observation = {}
        self.out = out
        reporter = reporter_module.Reporter()
        for name, optimizer in updater.get_all_optimizers().items():
            reporter.add_observer(name, optimizer.target)
            reporter.add_observers(name, optimizer.target.namedlinks(skipself=True))
        self.reporter = reporter
        self._done = False
        self._extensions = collections.OrderedDict()
        self._start_at = None
        self._snapshot_elapsed_time = 0.0
        self._final_elapsed_time = None
        self._iteration_end = None  # callables run once the current iteration's extensions ran
        updater.connect_trainer(self)
        for ext in extensions or ():
            self.extend(ext)

    @property
    def is_before_training(self):
        """True while no iteration has run (``updater.iteration == 0``)."""
        return self.updater.iteration == 0

    @property
    def elapsed_time(self):
        """Seconds of training so far, including the time before a resumed snapshot.

        Raises:
            RuntimeError: Before :meth:`run` starts.
        """
        if self._done:
            return self._final_elapsed_time
        if self._start_at is None:
            raise RuntimeError('Trainer.elapsed_time: training has not been started yet')
        return time.perf_counter() - self._start_at + self._snapshot_elapsed_time

    def extend(self, extension, name=None, trigger=None, priority=None, *,
               call_before_training=False):
        """Registers an extension.

        Args:
            extension: An :class:`~dbr.training.Extension` or a callable ``f(trainer)``.
            name (str): Its name (``extension.name``, then ``default_name``, then
                ``__name__``); a taken name gets a suffix ``_1``, ``_2``, ... The name chosen
                is written to ``extension.name``.
            trigger: When to call it (``extension.trigger``, else every iteration).
            priority (int): Order among extensions due at the same iteration, highest first
                (``extension.priority``, else ``PRIORITY_READER``).
            call_before_training (bool): Also call it once before the first iteration.

        Example:
            >>> trainer.extend(extensions.Evaluator(test_iter, model),  # doctest: +SKIP
            ...                trigger=(1, 'epoch'))
        """
        if not callable(extension):
            raise TypeError(f'Trainer.extend: the extension must be callable, got '
                            f'{type(extension).__name__}')
        if isinstance(extension, type):
            raise TypeError(f'Trainer.extend: got the class {extension.__name__}; pass an '
                            f'instance')
        if name is None:
            name = (getattr(extension, 'name', None) or getattr(extension, 'default_name', None)
                    or getattr(extension, '__name__', None))
            if name is None:
                raise TypeError('Trainer.extend: the extension has no name; pass name=...')
        if name == 'training':
            raise ValueError('Trainer.extend: the name "training" is reserved')
        if trigger is None:
            trigger = getattr(extension, 'trigger', (1, 'iteration'))
        trigger = trigger_module.get_trigger(trigger)
        if priority is None:
            priority = getattr(extension, 'priority', extension_module.PRIORITY_READER)
        unique = name
        ordinal = 0
        while unique in self._extensions:
            ordinal += 1
            unique = f'{name}_{ordinal}'
        extension.name = unique
        self._extensions[unique] = _ExtensionEntry(extension, priority, trigger,
                                                   call_before_training)

    def get_extension(self, name):
        """Returns the extension registered as ``name``.

        Raises:
            ValueError: No extension has that name.
        """
        entry = self._extensions.get(name)
        if entry is None:
            raise ValueError(f'Trainer.get_extension: no extension named {name!r} '
                             f'(registered: {list(self._extensions)})')
        return entry.extension

    def run(self, show_loop_exception_msg=True):
        """Runs the training loop until the stop trigger fires.

        Order: create ``out``; call every extension's ``initialize(trainer)`` (highest priority
        first; a snapshot extension with ``autoload`` loads the latest snapshot here), then the
        ``call_before_training`` extensions; then loop: ``updater.update()`` and the extensions
        whose trigger fires. On an exception each extension's ``on_error`` runs before it
        propagates; ``finalize`` always runs, then ``updater.finalize()``.

        Args:
            show_loop_exception_msg (bool): Print the exception and its traceback to stderr
                before the error handlers run.

        Raises:
            RuntimeError: When called a second time.
        """
        if self._done:
            raise RuntimeError('Trainer.run: the training loop cannot run twice')
        os.makedirs(self.out, exist_ok=True)
        order = sorted(self._extensions, key=lambda n: self._extensions[n].priority,
                       reverse=True)
        extensions = [(name, self._extensions[name]) for name in order]
        self._start_at = time.perf_counter()
        for _, entry in extensions:
            initializer = getattr(entry.extension, 'initialize', None)
            if initializer is not None and not getattr(entry.trigger, 'finished', False):
                initializer(self)

        update = self.updater.update
        reporter = self.reporter
        stop_trigger = self.stop_trigger
        self._iteration_end = []
        try:
            self.observation = {}
            with reporter.scope(self.observation):
                try:
                    for _, entry in extensions:
                        if entry.call_before_training:
                            entry.extension(self)
                finally:
                    self._end_iteration()
            while not stop_trigger(self):
                self.observation = {}
                with reporter.scope(self.observation):
                    update()
                    try:
                        for _, entry in extensions:
                            if entry.trigger(self):
                                entry.extension(self)
                    finally:
                        self._end_iteration()
        except Exception as e:
            tb = sys.exc_info()[2]
            err = sys.stderr
            if show_loop_exception_msg:
                err.write(f'Exception in main training loop: {e}\n')
                err.write('Traceback (most recent call last):\n')
                traceback.print_tb(tb, file=err)
                err.write('Will finalize trainer extensions and updater before reraising the '
                          'exception.\n')
            for _, entry in extensions:
                handler = getattr(entry.extension, 'on_error', None)
                if handler is None:
                    continue
                try:
                    handler(self, e, tb)
                except Exception as he:  # every handler runs; a failing one is only reported
                    err.write(f'Exception in error handler: {he}\n')
                    err.write('Traceback (most recent call last):\n')
                    traceback.print_tb(sys.exc_info()[2], file=err)
            raise
        finally:
            self._iteration_end = None
            for _, entry in extensions:
                finalize = getattr(entry.extension, 'finalize', None)
                if finalize is not None:
                    finalize()
            self.updater.finalize()
        self._final_elapsed_time = self.elapsed_time
        self._done = True

    def _at_iteration_end(self, fn):
        """Runs ``fn()`` after the extensions of the current iteration (at once outside
        :meth:`run`'s loop). The snapshot extension saves the trainer this way."""
        if self._iteration_end is None:
            fn()
        else:
            self._iteration_end.append(fn)

    def _end_iteration(self):
        pending, self._iteration_end = self._iteration_end, []
        for fn in pending:
            fn()

    def serialize(self, serializer):
        """Saves or loads the whole training state.

        Keys (Chainer's layout, plus the random states): ``updater/...``, ``stop_trigger/...``,
        ``extensions/<name>/...``, ``extension_triggers/<name>/...``,
        ``_snapshot_elapsed_time``, ``_random_state/{python,numpy}/...`` and
        ``_random_state/cupy_seeds``.
        """
        self.updater.serialize(serializer['updater'])
        if hasattr(self.stop_trigger, 'serialize'):
            self.stop_trigger.serialize(serializer['stop_trigger'])
        s = serializer['extensions']
        t = serializer['extension_triggers']
        for name, entry in self._extensions.items():
            if hasattr(entry.extension, 'serialize'):
                entry.extension.serialize(s[name])
            if hasattr(entry.trigger, 'serialize'):
                entry.trigger.serialize(t[name])
        if isinstance(serializer, Deserializer):
            self._snapshot_elapsed_time = float(
                serializer('_snapshot_elapsed_time', self._snapshot_elapsed_time))
        else:
            elapsed = (self.elapsed_time if self._start_at is not None
                       else self._snapshot_elapsed_time)
            serializer('_snapshot_elapsed_time', elapsed)
        _serialize_random_state(serializer['_random_state'])


def _serialize_random_state(serializer):
    """Saves or restores the global random generators a training step may draw from.

    Python's ``random`` and NumPy's global ``RandomState`` are saved exactly. CuPy's generators
    cannot export their state, so saving draws a fresh seed from each generator in use,
    re-seeds it with that seed and stores the seed; loading re-seeds with the stored seed. The
    uninterrupted and the resumed runs then continue from the same CuPy state.
    """
    loading = isinstance(serializer, Deserializer)
    py = serializer['python']
    if loading:
        state = py('state', None)
        if state is not None:
            state = [int(v) for v in state]
            gauss = py('gauss_next', None)
            random.setstate((state[0], tuple(state[1:]),
                             None if gauss is None else float(gauss)))
    else:
        version, internal, gauss_next = random.getstate()
        py('state', numpy.array((version,) + internal, dtype=numpy.int64))
        if gauss_next is not None:
            py('gauss_next', float(gauss_next))

    np = serializer['numpy']
    if loading:
        keys = np('keys', None)
        if keys is not None:
            pos, has_gauss = (int(v) for v in np('pos_has_gauss', None))
            cached = float(np('cached_gaussian', None))
            numpy.random.set_state(('MT19937', numpy.asarray(keys, dtype=numpy.uint32), pos,
                                    has_gauss, cached))
    else:
        _, keys, pos, has_gauss, cached = numpy.random.get_state(legacy=True)
        np('keys', keys)
        np('pos_has_gauss', numpy.array([pos, has_gauss], dtype=numpy.int64))
        np('cached_gaussian', float(cached))

    cupy_random = _cupy_random_generator_module()
    if loading:
        rows = serializer('cupy_seeds', None)
        if rows is not None and cupy_random is not None:
            n_devices = _cupy_device_count()
            for device_id, seed in numpy.asarray(rows, dtype=numpy.int64).reshape(-1, 2):
                if device_id < n_devices:
                    _reseed_cupy(cupy_random, int(device_id), int(seed))
    elif cupy_random is not None and cupy_random._random_states:
        rows = []
        for device_id in sorted(cupy_random._random_states):
            seed = _draw_cupy_seed(cupy_random, device_id)
            _reseed_cupy(cupy_random, device_id, seed)
            rows.append((device_id, seed))
        serializer('cupy_seeds', numpy.array(rows, dtype=numpy.int64))


def _cupy_random_generator_module():
    """CuPy's random generator module when CuPy is already imported (never imports it)."""
    if 'cupy' not in sys.modules:
        return None
    try:
        from cupy.random import _generator
    except ImportError:
        return None
    return _generator if hasattr(_generator, '_random_states') else None


def _cupy_device_count():
    import cupy
    try:
        return cupy.cuda.runtime.getDeviceCount()
    except Exception:  # no driver or device: nothing to save
        return 0


def _draw_cupy_seed(cupy_random, device_id):
    import cupy
    with cupy.cuda.Device(device_id):
        return int(cupy_random._random_states[device_id].randint(0, 2 ** 31 - 1))


def _reseed_cupy(cupy_random, device_id, seed):
    import cupy
    with cupy.cuda.Device(device_id):
        cupy_random.get_random_state().seed(seed)  # creates the device's generator if needed
