"""The research dialect for GPUs: ``dbr.cuda.to_gpu``, ``get_device_from_id``, ``cupy``.

``import dbr`` never imports CuPy. ``dbr.cuda.cupy``, ``dbr.cuda.available`` and
``dbr.cuda.ndarray`` import it on first access (None / False / a placeholder class when it is
missing), so scripts written as ``xp = cuda.cupy if gpu >= 0 else numpy`` keep working.
"""
import functools

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


def memory_info():
    """Returns ``(used_bytes, total_bytes)`` of CuPy's default memory pool on the current device.

    Example:
        >>> used, total = dbr.cuda.memory_info()  # doctest: +SKIP
    """
    cupy = backend._import_cupy('dbr.cuda.memory_info')
    pool = cupy.get_default_memory_pool()
    return pool.used_bytes(), pool.total_bytes()
