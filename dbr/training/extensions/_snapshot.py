"""Snapshots: ``snapshot`` (the whole trainer) and ``snapshot_object`` (any serializable object).

Writes are atomic (a temporary file renamed over the target), so a process killed while
writing leaves the previous snapshots intact. With ``autoload=True`` a restarted run picks up
the newest snapshot in ``trainer.out``, skipping (with a warning) any that cannot be read
whole, which makes "run the same command again" the way to resume after a crash.
"""
import os
import re
import warnings

import numpy

from dbr.serializers import load_npz, save_npz
from dbr.training import extension
from dbr.training.extensions.snapshot_writers import SimpleWriter


class _Snapshot(extension.Extension):
    """The extension returned by :func:`snapshot` and :func:`snapshot_object`."""

    trigger = 1, 'epoch'
    priority = -100

    def __init__(self, target=None, condition=None, writer=None,
                 filename='snapshot_iter_{.updater.iteration}', snapshot_on_error=False,
                 n_retains=-1, autoload=False, default_name='snapshot'):
        self._target = target
        self.filename = filename
        self.condition = condition if condition is not None else _always_true
        self.writer = writer if writer is not None else SimpleWriter()
        self._snapshot_on_error = snapshot_on_error
        self.n_retains = n_retains
        self.autoload = autoload
        self._default_name = default_name

    @property
    def default_name(self):
        return self._default_name

    def initialize(self, trainer):
        """With ``autoload``, loads the newest complete snapshot in ``trainer.out`` (if any)."""
        if not self.autoload or not isinstance(self.filename, str):
            return
        folder, prefix, suffix = _pattern(self.filename, trainer.out)
        if folder is None:
            return
        _remove_temporaries(folder, prefix)
        target = trainer if self._target is None else self._target
        for name in reversed(_find_snapshots(folder, prefix, suffix)):
            path = os.path.join(folder, name)
            problem = _unreadable(path)
            if problem is not None:
                warnings.warn(f'snapshot: skipping {path!r}, which is incomplete or corrupt '
                              f'({problem}); trying the previous snapshot')
                continue
            load_npz(path, target)
            return

    def on_error(self, trainer, exc, tb):
        """With ``snapshot_on_error``, saves a snapshot of the failing state."""
        if self._snapshot_on_error:
            self._make_snapshot(trainer)

    def __call__(self, trainer):
        if not self.condition():
            return
        defer = getattr(trainer, '_at_iteration_end', None)
        if defer is not None and (self._target is None or self._target is trainer):
            # Saved after the iteration's remaining extensions, so that their triggers and
            # states are those of the finished iteration (see Trainer).
            defer(lambda: self._make_snapshot(trainer))
        else:
            self._make_snapshot(trainer)

    def _make_snapshot(self, trainer):
        target = trainer if self._target is None else self._target
        if callable(self.filename):
            filename = self.filename(trainer)
        else:
            filename = self.filename.format(trainer)
        self.writer(filename, trainer.out, target)
        if self.n_retains > 0 and isinstance(self.filename, str):
            folder, prefix, suffix = _pattern(self.filename, trainer.out)
            if folder is not None:
                for name in _find_snapshots(folder, prefix, suffix)[:-self.n_retains]:
                    os.remove(os.path.join(folder, name))

    def finalize(self):
        finalize = getattr(self.writer, 'finalize', None)
        if finalize is not None:
            finalize()


def snapshot(savefun=None, filename='snapshot_iter_{.updater.iteration}', *, target=None,
             condition=None, writer=None, snapshot_on_error=False, n_retains=-1,
             autoload=False):
    """Returns an extension saving the whole trainer (``trainer.serialize``) to ``trainer.out``.

    The snapshot holds the models, optimizer states, iterator positions (and shuffle
    orders), the updater's counters, every extension's state (LogReport's log, triggers) and
    the random states, so loading it into an identically built trainer — by hand with
    ``load_npz(path, trainer)`` before ``run()``, or with ``autoload=True`` — continues
    exactly as if never interrupted. Its priority is -100 (after the other extensions of the
    iteration); its default trigger is ``(1, 'epoch')``. Within ``trainer.run()`` the file is
    written once every extension of the iteration has run, so extensions ordered after it
    (other snapshots) are saved as having run, and a resumed run does not repeat them.

    Args:
        savefun: ``savefun(path, obj)``; :func:`~dbr.serializers.save_npz` when None. Give
            either this or ``writer``.
        filename (str or callable): File name, formatted with the trainer
            (``'snapshot_iter_{.updater.iteration}'``), or ``f(trainer) -> str``.
        target: Object to save instead of the trainer.
        condition: ``f() -> bool``; the snapshot is skipped when it returns False.
        writer: ``writer(filename, outdir, target)``; a :class:`SimpleWriter` by default.
        snapshot_on_error (bool): Also save when the training loop raises.
        n_retains (int): Keep only the newest ``n_retains`` files matching ``filename``
            (all when not positive).
        autoload (bool): On ``trainer.run()``, load the newest snapshot matching
            ``filename`` (newest by modification time, then by the numbers in the name);
            a file that cannot be read whole is skipped with a warning naming it, and the
            one before it is used. Needs npz snapshots (``save_npz``).

    Example:
        >>> trainer.extend(extensions.snapshot(n_retains=2, autoload=True),  # doctest: +SKIP
        ...                trigger=(1000, 'iteration'))
    """
    if savefun is not None and writer is not None:
        raise TypeError('snapshot: give savefun or writer, not both')
    if writer is None:
        writer = SimpleWriter(savefun if savefun is not None else save_npz)
    return _Snapshot(target=target, condition=condition, writer=writer, filename=filename,
                     snapshot_on_error=snapshot_on_error, n_retains=n_retains,
                     autoload=autoload, default_name='snapshot')


def snapshot_object(target, filename, savefun=None, *, condition=None, writer=None,
                    snapshot_on_error=False, n_retains=-1, autoload=False):
    """Returns an extension saving ``target`` (a model, an optimizer...) to ``trainer.out``.

    Args:
        target: Object with ``serialize``.
        filename (str or callable): File name formatted with the trainer, e.g.
            ``'model_epoch_{.updater.epoch}'``, or ``f(trainer) -> str``.
        savefun, condition, writer, snapshot_on_error, n_retains, autoload: As in
            :func:`snapshot` (``autoload`` loads into ``target``).

    Example:
        >>> trainer.extend(extensions.snapshot_object(  # doctest: +SKIP
        ...     model, 'model_iter_{.updater.iteration}'), trigger=(1, 'epoch'))
    """
    if savefun is not None and writer is not None:
        raise TypeError('snapshot_object: give savefun or writer, not both')
    if writer is None:
        writer = SimpleWriter(savefun if savefun is not None else save_npz)
    return _Snapshot(target=target, condition=condition, writer=writer, filename=filename,
                     snapshot_on_error=snapshot_on_error, n_retains=n_retains,
                     autoload=autoload, default_name='snapshot_object')


def _always_true():
    return True


def _pattern(fmt, out):
    """``(folder, prefix, suffix)`` of the files ``fmt`` names; folder None when the folder
    part itself is templated (such files cannot be searched for)."""
    subfolder, base = os.path.split(fmt)
    if '{' in subfolder:
        return None, None, None
    return os.path.join(out, subfolder), base.split('{')[0], base.split('}')[-1]


def _natural_key(name):
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', name)]


def _find_snapshots(folder, prefix, suffix):
    """Names of the finished snapshot files in ``folder``, oldest first."""
    if not os.path.isdir(folder):
        return []
    found = []
    for name in os.listdir(folder):
        if (name.startswith('.') or len(name) <= len(prefix) + len(suffix)
                or not name.startswith(prefix) or not name.endswith(suffix)):
            continue
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            found.append((os.stat(path).st_mtime_ns, _natural_key(name), name))
    return [name for *_, name in sorted(found)]


def _remove_temporaries(folder, prefix):
    """Removes temporary files a killed run left while writing a snapshot."""
    if not prefix or not os.path.isdir(folder):
        return
    for name in os.listdir(folder):
        if (name.startswith('.') and name.endswith('.tmp')
                and name.lstrip('.').startswith(prefix)):
            try:
                os.remove(os.path.join(folder, name))
            except OSError:  # removed concurrently, or not ours to remove
                pass


def _unreadable(path):
    """None when ``path`` is an npz file whose every member reads back (the zip CRCs are
    checked); otherwise a description of the problem."""
    try:
        with open(path, 'rb') as f:
            loaded = numpy.load(f, allow_pickle=False)
            if not isinstance(loaded, numpy.lib.npyio.NpzFile):
                return 'not an npz archive'
            with loaded:
                for key in loaded.files:
                    loaded[key]
    except Exception as e:  # any failure to read means the file cannot be resumed from
        return f'{type(e).__name__}: {e}'
    return None
