"""``TextDataset``: random access to the lines of one or more text files, read on demand."""
import io
import os
import threading

from dbr.dataset.dataset_mixin import DatasetMixin


def _per_file(value, n_files, name):
    if isinstance(value, (list, tuple)):
        if len(value) != n_files:
            raise ValueError(f'TextDataset: {name} has {len(value)} entries for {n_files} files')
        return list(value)
    return [value] * n_files


class TextDataset(DatasetMixin):
    """Dataset whose ``i``-th example is the ``i``-th line of a text file (or of several).

    The constructor reads the files once and remembers where every kept line starts, so that
    ``dataset[i]`` seeks and reads just that line; the corpus itself never sits in memory.
    Lines are returned as read, trailing newline included. A pickled dataset keeps the line
    positions and reopens the files when unpickled (e.g. in an iterator's worker process), so
    the files must not change in between.

    Args:
        paths (str or list of str): One path (str or path-like): examples are strings. A list
            of paths: examples are tuples with the line of each file; all files must have the
            same number of lines.
        encoding (str or list of str): Text encoding, as for :func:`open` (one per file
            allowed).
        errors (str or list of str): Decoding error policy, as for :func:`open`.
        newline (str or list of str): Newline handling, as for :func:`open`.
        filter_func (callable): Called with the line of each file (one argument per file) while
            indexing; a line (tuple of lines) is kept only when it returns True.

    Example:
        >>> with open('src.txt', 'w') as f:  # doctest: +SKIP
        ...     _ = f.write('a b\\nc\\n')
        >>> ds = dbr.datasets.TextDataset('src.txt')  # doctest: +SKIP
        >>> len(ds), ds[1]  # doctest: +SKIP
        (2, 'c\\n')
    """

    def __init__(self, paths, encoding=None, errors=None, newline=None, filter_func=None):
        self._single = isinstance(paths, (str, os.PathLike))
        self._paths = [paths] if self._single else list(paths)
        if not self._paths:
            raise ValueError('TextDataset: no path given')
        n = len(self._paths)
        self._open_args = list(zip(_per_file(encoding, n, 'encoding'),
                                   _per_file(errors, n, 'errors'),
                                   _per_file(newline, n, 'newline')))
        self._lock = threading.Lock()
        self._files = self._open_all()
        self._starts = self._index(filter_func)

    def _open_all(self):
        return [io.open(path, encoding=enc, errors=err, newline=nl)
                for path, (enc, err, nl) in zip(self._paths, self._open_args)]

    def _index(self, filter_func):
        starts = []
        while True:
            positions = [f.tell() for f in self._files]
            lines = [f.readline() for f in self._files]
            ended = [line == '' for line in lines]
            if all(ended):
                return starts
            if any(ended):
                raise ValueError(
                    'TextDataset: the files have different numbers of lines: ' + ', '.join(
                        f'{p} {"ended" if e else "goes on"} after line {len(starts)}'
                        for p, e in zip(self._paths, ended)))
            if filter_func is None or filter_func(*lines):
                starts.append(positions)

    def __len__(self):
        return len(self._starts)

    def get_example(self, i):
        n = len(self._starts)
        if not -n <= i < n:
            raise IndexError(f'TextDataset: index {i} out of range for {n} lines')
        with self._lock:
            lines = []
            for f, pos in zip(self._files, self._starts[i]):
                f.seek(pos)
                lines.append(f.readline())
        return lines[0] if self._single else tuple(lines)

    def close(self):
        """Closes the underlying files; the dataset cannot be read afterwards."""
        for f in self._files:
            f.close()

    def __del__(self):
        # the files stay open for random access as long as the dataset lives
        for f in getattr(self, '_files', ()):
            f.close()

    def __getstate__(self):
        state = self.__dict__.copy()
        del state['_files'], state['_lock']
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._files = self._open_all()
