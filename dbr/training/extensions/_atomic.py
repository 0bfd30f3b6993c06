"""Atomic file replacement shared by the log and snapshot extensions."""
import os
import tempfile


def temp_prefix(basename):
    """Prefix of the temporary files written for ``basename`` (hidden, so never mistaken
    for a finished file)."""
    return '.' + basename + '.'


def atomic_write(path, write, fsync=True):
    """Calls ``write(tmp_path)`` on a temporary file next to ``path``, then renames it over
    ``path``: readers and crashes see the old file or the new one, never half of one.

    Args:
        path (str): Destination.
        write: ``write(tmp_path)`` that creates the file's content.
        fsync (bool): Flush the file and its folder to disk (survives power loss, not only a
            killed process).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=temp_prefix(os.path.basename(path)),
                               suffix='.tmp')
    os.close(fd)
    try:
        write(tmp)
        if fsync:
            _fsync_path(tmp, os.O_RDONLY)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    if fsync:
        try:
            _fsync_path(folder, os.O_RDONLY)
        except OSError:  # folders cannot be opened on every platform
            pass


def _fsync_path(path, flags):
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
