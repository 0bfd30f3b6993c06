"""Array-module dispatch and devices: ``get_array_module``, ``get_device``, transfers.

CuPy is never imported here unless a GPU device is asked for: an array can only be a CuPy
array if some code already imported CuPy, so dispatch looks at ``sys.modules`` instead.
"""
import sys

import numpy


def _cupy():
    """Returns the CuPy module if some code already imported it, else None."""
    return sys.modules.get('cupy')


def _import_cupy(who):
    try:
        import cupy
    except ImportError as e:
        raise RuntimeError(
            f'{who}: CuPy is not installed; install it with `pip install cupy-cuda13x` '
            f'(or `pip install -e .[cuda]`) to use a GPU') from e
    return cupy


def is_gpu_array(x):
    """True when ``x`` is a CuPy ndarray (without importing CuPy)."""
    cp = _cupy()
    return cp is not None and isinstance(x, cp.ndarray)


def get_array_module(*args):
    """Returns ``cupy`` if any argument is a CuPy array (or a Variable holding one), else ``numpy``.

    Args:
        *args: Arrays, Variables, or anything else (ignored).

    Example:
        >>> xp = dbr.backend.get_array_module(x)
        >>> y = xp.exp(x)  # doctest: +SKIP
    """
    cp = _cupy()
    if cp is None:
        return numpy
    for a in args:
        a = getattr(a, '_data', a)
        if isinstance(a, cp.ndarray):
            return cp
    return numpy


class Device:
    """Base class of the devices returned by :func:`get_device`."""

    xp = numpy
    name = None

    def send(self, arrays):
        """Transfers an array, or a (nested) list/tuple/dict of arrays, to this device."""
        if isinstance(arrays, (list, tuple)):
            return type(arrays)(self.send(a) for a in arrays)
        if isinstance(arrays, dict):
            return {k: self.send(v) for k, v in arrays.items()}
        if arrays is None:
            return None
        return self._send_array(arrays)

    @property
    def supported_array_types(self):
        """The array types this device's ``xp`` computes on."""
        return (self.xp.ndarray,)

    def is_array_supported(self, array):
        """True when ``array`` lives on this device.

        Example:
            >>> dbr.get_device('@numpy').is_array_supported(numpy.zeros(2))
            True
        """
        return isinstance(array, self.supported_array_types)

    def use(self):
        """Makes this device current for the calling thread (a no-op on the CPU)."""

    def create_context(self):
        """Returns a context manager in which this device is current (see :func:`using_device`)."""
        return self

    def __enter__(self):
        self.use()
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return isinstance(other, Device) and self.name == other.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<dbr device {self.name}>'

    def __str__(self):
        return self.name


class CpuDevice(Device):
    """The host: arrays are NumPy arrays.

    Example:
        >>> dbr.get_device('@numpy').send(cupy_array)  # doctest: +SKIP
    """

    xp = numpy
    name = '@numpy'

    @staticmethod
    def from_array(array):
        """Returns the host device if ``array`` is a NumPy array (or scalar), else None."""
        return _cpu_device if isinstance(array, (numpy.ndarray, numpy.generic)) else None

    def is_array_supported(self, array):
        return isinstance(array, (numpy.ndarray, numpy.generic))

    def _send_array(self, a):
        return to_cpu(a)


class GpuDevice(Device):
    """A CUDA device: arrays are CuPy arrays allocated on ``device.id``.

    Example:
        >>> dev = dbr.get_device('@cupy:0')  # doctest: +SKIP
        >>> dev.use(); y = dev.send(x)  # doctest: +SKIP
    """

    def __init__(self, device_id):
        cupy = _import_cupy('dbr.get_device')
        self.xp = cupy
        self.device = cupy.cuda.Device(device_id)
        self.id = int(device_id)
        self.name = f'@cupy:{self.id}'
        self._previous = []

    @staticmethod
    def from_device_id(device_id):
        """Returns the device of GPU ``device_id``."""
        return GpuDevice(device_id)

    @staticmethod
    def from_array(array):
        """Returns the device holding ``array`` if it is a CuPy array, else None."""
        return GpuDevice(array.device.id) if is_gpu_array(array) else None

    def is_array_supported(self, array):
        return isinstance(array, self.xp.ndarray) and array.device.id == self.id

    def use(self):
        self.device.use()

    def __enter__(self):
        self._previous.append(self.xp.cuda.Device().id)
        self.device.use()
        return self

    def __exit__(self, *exc):
        self.xp.cuda.Device(self._previous.pop()).use()
        return False

    def _send_array(self, a):
        return to_gpu(a, self.id)


class ChainerxDevice(Device):
    """ChainerX devices do not exist in dbr; the class is here for ``isinstance`` tests only.

    Code written for Chainer v7 may ask ``isinstance(device, backend.ChainerxDevice)``; the
    answer is always False, since no instance can be made.
    """

    def __init__(self, *args, **kwargs):
        raise RuntimeError('dbr.backend.ChainerxDevice: dbr has no ChainerX; use "@numpy" or '
                           '"@cupy:N" devices')


_cpu_device = CpuDevice()


def get_device(device_spec):
    """Returns the device named by ``device_spec``.

    Args:
        device_spec: ``'@numpy'`` (or ``-1``, ``None``, ``'cpu'``, ``numpy``) for the host;
            ``'@cupy:N'`` (or an int ``N >= 0``, ``'cuda:N'``, ``(cupy, N)``, a
            ``cupy.cuda.Device``) for GPU N; a :class:`Device` is returned as is. ChainerX
            specs (``'native'``, ``'native:0'``) raise a RuntimeError: dbr has no ChainerX.

    Example:
        >>> dbr.get_device('@numpy').xp
        <module 'numpy' ...>
    """
    if isinstance(device_spec, Device):
        return device_spec
    if device_spec is None or device_spec is numpy:
        return _cpu_device
    if isinstance(device_spec, (bool, numpy.bool_)):
        raise TypeError(f'dbr.get_device: expected a device spec such as "@numpy", "@cupy:0" '
                        f'or an int, got {device_spec!r}')
    if isinstance(device_spec, (int, numpy.integer)):
        return _cpu_device if device_spec < 0 else GpuDevice(int(device_spec))
    if isinstance(device_spec, str):
        spec = device_spec.strip()
        if spec in ('@numpy', 'cpu'):
            return _cpu_device
        if spec == 'native' or spec.startswith('native:'):
            raise RuntimeError(f'dbr.get_device: {device_spec!r} names a ChainerX device, and dbr '
                               f'has no ChainerX; use "@numpy" (or "@cupy:N" for GPU N)')
        if spec.lstrip('-').isdigit():   # '--device 0' from a command line
            return get_device(int(spec))
        for prefix in ('@cupy:', 'cuda:', 'gpu:'):
            if spec.startswith(prefix) and spec[len(prefix):].isdigit():
                return GpuDevice(int(spec[len(prefix):]))
        raise ValueError(f'dbr.get_device: unknown device spec {device_spec!r}; '
                         f'expected "@numpy" or "@cupy:N"')
    if (isinstance(device_spec, tuple) and len(device_spec) == 2
            and getattr(device_spec[0], '__name__', None) == 'cupy'
            and isinstance(device_spec[1], (int, numpy.integer))
            and not isinstance(device_spec[1], bool) and device_spec[1] >= 0):
        return GpuDevice(int(device_spec[1]))   # Chainer v7's ``(cupy, N)``
    cp = _cupy()
    if cp is not None:
        if device_spec is cp:
            return GpuDevice(cp.cuda.Device().id)
        if isinstance(device_spec, cp.cuda.Device):
            return GpuDevice(device_spec.id)
    raise TypeError(f'dbr.get_device: expected a device spec such as "@numpy", "@cupy:0" '
                    f'or an int, got {type(device_spec).__name__} {device_spec!r}')


def get_device_from_array(array):
    """Returns the :class:`Device` that holds ``array`` (or a Variable's array).

    Example:
        >>> dbr.backend.get_device_from_array(numpy.zeros(3))
        <dbr device @numpy>
    """
    array = getattr(array, '_data', array)
    if is_gpu_array(array):
        return GpuDevice(array.device.id)
    return _cpu_device


def to_cpu(array):
    """Copies a CuPy array to the host; NumPy arrays, scalars and None pass through.

    Lists and tuples are converted element by element.

    Example:
        >>> host = dbr.backend.to_cpu(gpu_array)  # doctest: +SKIP
    """
    if array is None or isinstance(array, (numpy.ndarray, numpy.generic, int, float, complex)):
        return array
    if isinstance(array, (list, tuple)):
        return type(array)(to_cpu(a) for a in array)
    if is_gpu_array(array):
        return array.get()
    raise TypeError(f'dbr.backend.to_cpu: expected a NumPy or CuPy array, got {type(array).__name__}')


def to_gpu(array, device=None):
    """Copies an array to a GPU (the current one, or ``device``) as a CuPy array.

    Args:
        array: NumPy or CuPy array, a list/tuple of them, or None.
        device: Device id, ``'@cupy:N'`` spec, or None for the current device.

    Example:
        >>> g = dbr.cuda.to_gpu(numpy.zeros(3, 'f'))  # doctest: +SKIP
    """
    cupy = _import_cupy('dbr.cuda.to_gpu')
    if array is None:
        return None
    if isinstance(array, (list, tuple)):
        return type(array)(to_gpu(a, device) for a in array)
    if device is None:
        dev_id = cupy.cuda.Device().id
    elif isinstance(device, GpuDevice):
        dev_id = device.id
    elif isinstance(device, str):
        dev_id = get_device(device).id
    else:
        dev_id = int(getattr(device, 'id', device))
    with cupy.cuda.Device(dev_id):
        if isinstance(array, cupy.ndarray) and array.device.id == dev_id:
            return array
        if not isinstance(array, (numpy.ndarray, numpy.generic, cupy.ndarray)):
            raise TypeError(f'dbr.cuda.to_gpu: expected a NumPy or CuPy array, got '
                            f'{type(array).__name__}')
        return cupy.asarray(array)


def to_device(device_spec, array):
    """Sends ``array`` to the device named by ``device_spec`` (see :func:`get_device`).

    Example:
        >>> x = dbr.backend.to_device('@numpy', x)  # doctest: +SKIP
    """
    return get_device(device_spec).send(array)


def using_device(device_spec):
    """Context manager making the device named by ``device_spec`` current in this thread.

    On exit the previously current GPU is current again; on the host this changes nothing.

    Example:
        >>> with dbr.backend.using_device('@numpy'):
        ...     pass
        >>> with dbr.backend.using_device('@cupy:1'):  # doctest: +SKIP
        ...     a = cupy.empty((3, 2))                   # allocated on GPU 1
    """
    return get_device(device_spec).create_context()


def copyto(dst, src):
    """Copies the elements of ``src`` into the array ``dst``, across devices if needed.

    ``src`` (a NumPy or CuPy array, or a scalar) is broadcast to ``dst``'s shape and cast to its
    dtype under ``numpy.copyto``'s ``'same_kind'`` rule.

    Raises:
        TypeError: ``dst`` is not a NumPy or CuPy array, or the cast is not 'same_kind'.

    Example:
        >>> dst = numpy.zeros(3, 'f')
        >>> dbr.backend.copyto(dst, numpy.arange(3))
        >>> dst
        array([0., 1., 2.], dtype=float32)
    """
    if isinstance(dst, numpy.ndarray):
        numpy.copyto(dst, to_cpu(src) if is_gpu_array(src) else src)
    elif is_gpu_array(dst):
        cupy = _cupy()
        with dst.device:
            if not is_gpu_array(src):
                src = cupy.asarray(src)
            cupy.copyto(dst, src)
    else:
        raise TypeError(f'dbr.backend.copyto: dst must be a NumPy or CuPy array, got '
                        f'{type(dst).__name__}')
