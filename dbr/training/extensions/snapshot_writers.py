"""Snapshot writers: how a snapshot extension puts a file on disk.

Example:
    >>> writer = extensions.snapshot_writers.SimpleWriter(compression=False)  # doctest: +SKIP
    >>> trainer.extend(extensions.snapshot(writer=writer))  # doctest: +SKIP
"""
import os

from dbr.serializers import save_npz
from dbr.training.extensions._atomic import atomic_write


class Writer:
    """Base class of snapshot writers: ``writer(filename, outdir, target)`` saves ``target``.

    Example:
        >>> class Quiet(extensions.snapshot_writers.Writer):  # doctest: +SKIP
        ...     def __call__(self, filename, outdir, target):
        ...         self.save(filename, outdir, target, dbr.serializers.save_npz)
    """

    def __call__(self, filename, outdir, target):
        raise NotImplementedError(f'{type(self).__name__} does not implement __call__')

    def finalize(self):
        """Called when training ends."""

    def save(self, filename, outdir, target, savefun, **kwds):
        """Saves with ``savefun(path, target, **kwds)`` into a temporary file, then renames it
        to ``outdir/filename`` (after flushing it to disk)."""
        atomic_write(os.path.join(outdir, filename),
                     lambda tmp: savefun(tmp, target, **kwds))


class SimpleWriter(Writer):
    """Writes in the training thread with ``savefun`` (``save_npz`` by default).

    Args:
        savefun: ``savefun(path, target, **kwds)``.
        kwds: Extra keyword arguments of ``savefun`` (e.g. ``compression=False``).

    Example:
        >>> writer = extensions.snapshot_writers.SimpleWriter(compression=False)  # doctest: +SKIP
    """

    def __init__(self, savefun=save_npz, **kwds):
        self._savefun = savefun
        self._kwds = kwds

    def __call__(self, filename, outdir, target):
        self.save(filename, outdir, target, self._savefun, **self._kwds)
