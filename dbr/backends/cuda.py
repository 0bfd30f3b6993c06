"""The research dialect for GPUs: ``dbr.cuda.to_gpu``, ``get_device_from_id``, ``cupy``.

``import dbr`` never imports CuPy. ``dbr.cuda.cupy``, ``dbr.cuda.available``,
``dbr.cuda.cudnn_enabled`` and ``dbr.cuda.ndarray`` import it on first access (None / False /
a placeholder class when it is missing), so scripts written as
``xp = cuda.cupy if gpu >= 0 else numpy`` keep working.
"""
import functools
import warnings
from typing import NamedTuple

from dbr import backend
from dbr.backend import get_array_module, get_device_from_array, to_cpu, to_gpu  # noqa: F401


@functools.lru_cache(maxsize=None)
def _load():
    try:
        import cupy
    except ImportError:
        return None, False
    try:
        available = cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # CuPy raises its own CUDARuntimeError when no driver/device exists
        available = False
    return cupy, available


class _MissingNdarray:
    """Stands in for ``cupy.ndarray`` when CuPy is absent, so ``isinstance`` checks are False."""


def __getattr__(name):
    if name == 'cupy':
        return _load()[0]
    if name == 'available':
        return _load()[1]
    if name == 'ndarray':
        cupy = _load()[0]
        return _MissingNdarray if cupy is None else cupy.ndarray
    if name == 'cudnn_enabled':
        from dbr.backends import cudnn
        return cudnn.available()
    raise AttributeError(f'module dbr.backends.cuda has no attribute {name!r}')


def check_cuda_available():
    """Raises RuntimeError with install instructions when CuPy or a CUDA device is missing.

    Example:
        >>> dbr.cuda.check_cuda_available()  # doctest: +SKIP
    """
    cupy, available = _load()
    if cupy is None:
        backend._import_cupy('dbr.cuda')
    if not available:
        raise RuntimeError('dbr.cuda: CuPy is installed but no CUDA device is visible')


def get_device_from_id(device_id):
    """Returns the ``cupy.cuda.Device`` with this id (use ``.use()`` or ``with``).

    Args:
        device_id (int): GPU index, 0-based.

    Example:
        >>> dbr.cuda.get_device_from_id(0).use()  # doctest: +SKIP
    """
    cupy = backend._import_cupy('dbr.cuda.get_device_from_id')
    if isinstance(device_id, bool) or not isinstance(device_id, int) or device_id < 0:
        raise ValueError(f'dbr.cuda.get_device_from_id: expected a GPU index >= 0, got {device_id!r}')
    return cupy.cuda.Device(device_id)


class MemoryInfo(NamedTuple):
    """Memory of the current GPU, in bytes (see :func:`memory_info`)."""

    device_used: int
    device_total: int
    pool_used: int
    pool_total: int


def memory_pool():
    """Returns CuPy's default memory pool (``cupy.get_default_memory_pool()``).

    Every CuPy allocation of dbr goes through it; ``free_all_blocks()`` hands its cached,
    unused blocks back to the driver.

    Example:
        >>> dbr.cuda.memory_pool().free_all_blocks()  # doctest: +SKIP
    """
    return backend._import_cupy('dbr.cuda.memory_pool').get_default_memory_pool()


def memory_info():
    """Memory use of the current GPU and of CuPy's memory pool on it.

    ``device_used``/``device_total`` are the driver's view (all processes, pool caches
    included); ``pool_used`` is what live arrays hold and ``pool_total`` what the pool has
    taken from the driver (``pool_total - pool_used`` is cached for reuse).

    Returns:
        MemoryInfo: ``(device_used, device_total, pool_used, pool_total)`` in bytes.

    Example:
        >>> info = dbr.cuda.memory_info()  # doctest: +SKIP
        >>> print(f'{info.pool_used / 2**20:.0f} MiB in arrays')  # doctest: +SKIP
    """
    cupy = backend._import_cupy('dbr.cuda.memory_info')
    free, total = cupy.cuda.runtime.memGetInfo()
    pool = cupy.get_default_memory_pool()
    return MemoryInfo(total - free, total, pool.used_bytes(), pool.total_bytes())


class DummyDeviceType:
    """The host in the places where the old GPU dialect expects a ``cupy.cuda.Device``: id -1,
    and ``use()``/``with`` do nothing."""

    id = -1

    def __int__(self):
        return -1

    def __index__(self):
        return -1

    def use(self):
        pass

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return isinstance(other, DummyDeviceType)

    def __hash__(self):
        return hash(DummyDeviceType)

    def __repr__(self):
        return '<DummyDevice: -1>'


DummyDevice = DummyDeviceType()


def get_device(*args):
    """Returns the ``cupy.cuda.Device`` named by the first int, CuPy array or CuPy device among
    ``args``; :data:`DummyDevice` for a negative int or when none is there.

    Deprecated (as in Chainer): use :func:`get_device_from_id` or
    :func:`dbr.backend.get_device_from_array`.

    Example:
        >>> dbr.cuda.get_device(-1).use()  # doctest: +SKIP
    """
    warnings.warn('dbr.cuda.get_device is deprecated; use dbr.cuda.get_device_from_id or '
                  'dbr.backend.get_device_from_array', DeprecationWarning, stacklevel=2)
    cupy = backend._cupy()
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool):
            return DummyDevice if arg < 0 else get_device_from_id(arg)
        if cupy is not None:
            if isinstance(arg, cupy.ndarray):
                return arg.device
            if isinstance(arg, cupy.cuda.Device):
                return arg
    return DummyDevice
