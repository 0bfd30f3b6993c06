"""NPZ checkpoints: ``save_npz``/``load_npz`` and the serializers behind them.

Keys are slash-separated paths (``updater/model:main/predictor/l1/W``), as in Chainer. Loading
never unpickles (``allow_pickle=False``), so a checkpoint cannot run code; saving writes a
temporary file in the same folder and renames it over the target, so an interrupted save never
destroys the previous checkpoint.
"""
import os
import tempfile
import zipfile
import zlib

import numpy

from dbr import backend


class Serializer:
    """Base of the saving serializers: ``serializer[name]`` descends, ``serializer(key, v)`` saves."""

    def save(self, obj):
        """Serializes ``obj`` (anything with ``serialize(serializer)``)."""
        obj.serialize(self)


class Deserializer:
    """Base of the loading serializers: ``deserializer(key, value)`` returns the loaded value."""

    def load(self, obj):
        """Deserializes into ``obj`` (anything with ``serialize(serializer)``)."""
        obj.serialize(self)


def _is_array(value):
    return isinstance(value, numpy.ndarray) or backend.is_gpu_array(value)


class DictionarySerializer(Serializer):
    """Collects ``{path: numpy array}`` from an object's ``serialize`` (None values are omitted).

    Args:
        target (dict): Dictionary to fill (a new one when None).
        path (str): Prefix of every key.

    Example:
        >>> s = dbr.serializers.DictionarySerializer()
        >>> s.save(model); sorted(s.target)  # doctest: +SKIP
    """

    def __init__(self, target=None, path=''):
        self.target = {} if target is None else target
        self.path = path

    def __getitem__(self, key):
        return DictionarySerializer(self.target, self.path + key.strip('/') + '/')

    def __call__(self, key, value):
        if value is None:
            return None
        full = self.path + key.lstrip('/')
        if full in self.target:
            raise KeyError(f'save_npz: key {full!r} is written twice')
        self.target[full] = numpy.array(backend.to_cpu(value) if _is_array(value) else value)
        return value


class NpzDeserializer(Deserializer):
    """Loads values from an opened npz file (or any mapping of arrays).

    Args:
        npz: ``numpy.load`` result or a dict of arrays.
        path (str): Prefix of every key.
        strict (bool): Missing keys are errors; so are keys left unread (checked by
            :func:`load_npz`).
        ignore_names: Names (list of str) or a predicate ``f(key) -> bool`` to skip.
        source (str): File name for error messages.

    Example:
        >>> with numpy.load('model.npz') as f:  # doctest: +SKIP
        ...     dbr.serializers.NpzDeserializer(f).load(model)
    """

    def __init__(self, npz, path='', strict=True, ignore_names=None, source=None,
                 _used=None):
        self.npz = npz
        self.path = path
        self.strict = strict
        self.ignore_names = ignore_names
        self.source = source
        self.used = set() if _used is None else _used

    def __getitem__(self, key):
        return NpzDeserializer(self.npz, self.path + key.strip('/') + '/', self.strict,
                               self.ignore_names, self.source, self.used)

    def has(self, key):
        """True when the file holds ``key`` under this path."""
        return self.path + key.lstrip('/') in self.npz

    def _ignored(self, full):
        names = self.ignore_names
        if names is None:
            return False
        if callable(names):
            return names(full)
        return full in names

    def __call__(self, key, value):
        full = self.path + key.lstrip('/')
        where = f' in {self.source!r}' if self.source else ''
        if self._ignored(full):
            self.used.add(full)
            return value
        if full not in self.npz:
            if value is None or not self.strict:
                return value
            raise KeyError(f'load_npz: key {full!r} not found{where}')
        data = self.npz[full]
        self.used.add(full)
        if value is None:
            return data
        if _is_array(value):
            if value.shape != data.shape:
                raise ValueError(f'load_npz: {full!r} has shape {data.shape}{where}, but the '
                                 f'target has shape {value.shape}')
            if value.dtype != data.dtype:
                raise ValueError(f'load_npz: {full!r} has dtype {data.dtype}{where}, but the '
                                 f'target has dtype {value.dtype}')
            if isinstance(value, numpy.ndarray):
                value[...] = data
            else:
                value.set(numpy.ascontiguousarray(data))
            return value
        if isinstance(value, (bool, int, float, numpy.generic)):
            if data.shape != ():
                raise ValueError(f'load_npz: {full!r} holds an array of shape {data.shape}{where}, '
                                 f'but the target is a scalar')
            if isinstance(value, numpy.generic):
                return type(value)(data[()])
            return data.item()  # a Python scalar keeps the saved type: 0.05 must not become 0
        return data


def save_npz(file, obj, compression=True):
    """Saves ``obj`` (a link, an optimizer, a trainer...) to an npz file, atomically.

    Args:
        file: Path, or a writable binary file object.
        obj: Object with ``serialize(serializer)``.
        compression (bool): Use ``numpy.savez_compressed``.

    Example:
        >>> dbr.serializers.save_npz('model.npz', model)  # doctest: +SKIP
    """
    s = DictionarySerializer()
    s.save(obj)
    savez = numpy.savez_compressed if compression else numpy.savez
    if not isinstance(file, (str, os.PathLike)):
        savez(file, **s.target)
        return
    file = os.fspath(file)
    folder = os.path.dirname(os.path.abspath(file))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + os.path.basename(file) + '.',
                               suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            savez(f, **s.target)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, file)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_npz(file, obj, path='', strict=True, ignore_names=None):
    """Loads ``obj``'s values from an npz file written by :func:`save_npz`.

    Args:
        file: Path or readable binary file object.
        obj: Object with ``serialize(serializer)``.
        path (str): Load only the keys under this prefix (e.g. ``'updater/model:main/'``).
        strict (bool): Missing keys and keys left unread under ``path`` are errors.
        ignore_names: Names or a predicate of keys to skip.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is not a readable npz (corrupt, truncated, pickled content), or a
            value's shape or dtype does not match the target's.
        KeyError: A key is missing, or (strict) the file holds keys nothing read.

    Example:
        >>> dbr.serializers.load_npz('snapshot_iter_100', model,
        ...                          path='updater/model:main/')  # doctest: +SKIP
    """
    if isinstance(file, (str, os.PathLike)):
        name = os.fspath(file)
        if not os.path.exists(name):
            raise FileNotFoundError(f'load_npz: no such file {name!r}')
        with open(name, 'rb') as f:
            _load_from(f, obj, path, strict, ignore_names, name)
    else:
        _load_from(file, obj, path, strict, ignore_names, getattr(file, 'name', None))


def _load_from(f, obj, path, strict, ignore_names, name):
    try:
        npz = numpy.load(f, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise ValueError(f'load_npz: {name!r} is not a readable npz checkpoint '
                         f'(corrupt, truncated or not npz): {e}') from e
    if not hasattr(npz, 'files'):
        raise ValueError(f'load_npz: {name!r} holds a single array, not an npz checkpoint')
    with npz:
        try:
            files = set(npz.files)
            d = NpzDeserializer(_NpzView(npz, files, name), path, strict, ignore_names, name)
            d.load(obj)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise ValueError(f'load_npz: {name!r} is corrupt: {e}') from e
        if strict:
            extra = sorted(k for k in files if k.startswith(path) and k not in d.used)
            if extra:
                shown = ', '.join(extra[:10]) + (' ...' if len(extra) > 10 else '')
                raise KeyError(f'load_npz: {name!r} holds {len(extra)} keys that nothing '
                               f'loaded: {shown} (pass strict=False to allow)')


class _NpzView:
    """Dict-like access to an NpzFile that turns unreadable members into clear errors."""

    def __init__(self, npz, files, name):
        self._npz = npz
        self._files = files
        self._name = name

    def __contains__(self, key):
        return key in self._files

    def __getitem__(self, key):
        try:
            return self._npz[key]
        except ValueError as e:  # an object array would need pickle: refuse it
            raise ValueError(f'load_npz: {key!r} in {self._name!r} cannot be loaded without '
                             f'unpickling ({e})') from e
