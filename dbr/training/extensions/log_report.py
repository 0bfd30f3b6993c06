"""``LogReport``: averages the observations over an interval and writes them as a JSON list."""
import json
import os

from dbr import reporter
from dbr.serializers import Serializer
from dbr.training import extension
from dbr.training.extensions._atomic import atomic_write
from dbr.training.triggers import get_trigger


class LogReport(extension.Extension):
    """Accumulates the observations each iteration and appends their means to a log.

    Runs every iteration; when its own ``trigger`` fires it takes the mean of each observed
    scalar since the last entry, adds ``epoch``, ``iteration`` and ``elapsed_time``, lets
    ``postprocess`` edit the dict, appends it to :attr:`log` and rewrites the log file in
    ``trainer.out`` as a JSON list (atomically: a reader or a crash never sees half a file).
    The log and the running means are part of a trainer snapshot.

    Args:
        keys (list of str): Keys to log (all observed scalars when None).
        trigger: When to write an entry (``(1, 'epoch')``).
        postprocess: ``f(stats_dict)`` called on each entry before it is stored.
        filename (str): Log file name in ``trainer.out``, formatted with the entry's values
            (``'log_{iteration}'``); ``log_name`` when None.
        log_name (str): Old spelling of ``filename``, ``'log'`` by default; ``log_name=None``
            (with no ``filename``) writes no file.

    Example:
        >>> trainer.extend(extensions.LogReport(trigger=(100, 'iteration')))  # doctest: +SKIP
        >>> trainer.get_extension('LogReport').log[-1]['main/loss']  # doctest: +SKIP
    """

    def __init__(self, keys=None, trigger=(1, 'epoch'), postprocess=None, filename=None,
                 **kwargs):
        log_name = kwargs.pop('log_name', 'log')
        if kwargs:
            raise TypeError(f'LogReport: unexpected arguments {sorted(kwargs)}')
        if filename is None:
            filename = log_name
        self._keys = keys
        self._trigger = get_trigger(trigger)
        self._postprocess = postprocess
        self._log_name = filename
        self._log = []
        self._summary = reporter.DictSummary()

    def __call__(self, trainer):
        """Adds this iteration's observation; on the trigger, appends an entry and writes."""
        observation = trainer.observation
        if self._keys is None:
            self._summary.add(observation)
        else:
            self._summary.add({k: observation[k] for k in self._keys if k in observation})
        if not self._trigger(trainer):
            return
        stats = {name: float(value) for name, value in self._summary.compute_mean().items()}
        updater = trainer.updater
        stats['epoch'] = updater.epoch
        stats['iteration'] = updater.iteration
        stats['elapsed_time'] = trainer.elapsed_time
        if self._postprocess is not None:
            self._postprocess(stats)
        self._log.append(stats)
        if self._log_name is not None:
            path = os.path.join(trainer.out, self._log_name.format(**stats))
            text = json.dumps(self._log, indent=4)
            atomic_write(path, lambda tmp: _write_text(tmp, text), fsync=False)
        self._summary = reporter.DictSummary()

    @property
    def log(self):
        """The list of entries written so far (dicts of floats and ints)."""
        return self._log

    def serialize(self, serializer):
        """Saves or loads the trigger, the running means and the log (as JSON text)."""
        if hasattr(self._trigger, 'serialize'):
            self._trigger.serialize(serializer['_trigger'])
        self._summary.serialize(serializer['_summary'])
        if isinstance(serializer, Serializer):
            serializer('_log', json.dumps(self._log))
        else:
            text = serializer('_log', None)
            if text is not None:
                self._log = json.loads(str(text[()]) if hasattr(text, 'shape') else str(text))


def _write_text(path, text):
    with open(path, 'w') as f:
        f.write(text)
