"""cuDNN 9 through ctypes: finding the library, errors, handles, descriptors, dropout states.

CuPy 14 no longer wraps cuDNN, so dbr calls ``libcudnn.so.9`` itself. Nothing here runs at
``import dbr``: the library is looked for on the first :func:`get_library` (or
:func:`available`) call, in this order:

1. already loaded in this process (e.g. by ``import torch``), found in ``/proc/self/maps``;
2. ``cuda.pathfinder.load_nvidia_dynamic_lib('cudnn')``, when cuda-pathfinder is installed;
3. ``<site-packages>/nvidia/cudnn/lib/libcudnn.so.9`` of the ``nvidia-cudnn-cu13`` wheel;
4. the system loader (``LD_LIBRARY_PATH``, ldconfig).

``libcudnn.so.9`` is a small shim that loads its sub-libraries (``libcudnn_adv`` holds the RNN
API) itself; a symbol the shim lacks is looked up in ``libcudnn_adv.so.9`` next to it.

Every cuDNN call of dbr goes through a :class:`Library`, whose wrapped functions raise
:class:`CuDNNError` (with cuDNN's own message) on a non-zero status. Handles are kept one per
(thread, device) in :func:`device_state`, which also points the handle at CuPy's current stream,
and holds the dropout RNG states of that thread and device.

Tensor cores follow Chainer's ``dbr.config.use_cudnn_tensor_core``: ``'auto'`` (the default)
uses them for float16 only, so float32 runs with FMA math (exact float32 arithmetic);
``'always'`` also lets float32 use TF32 (cuDNN's DEFAULT_MATH: faster on A100-class and newer
GPUs, about 1e-3 relative error); ``'never'`` uses FMA math for float16 too.

Setting (module attribute, read on every call):
    rnn_layout (str): ``'packed'`` (sequences sorted by length and packed time-major; cuDNN's
        SEQ_MAJOR_PACKED, as Chainer and PyTorch use) or ``'unpacked'`` (a zero-padded
        (T, batch) grid in the caller's order; SEQ_MAJOR_UNPACKED).
"""
import ctypes
import importlib
import importlib.util
import os
import sys
import threading

SONAME = 'libcudnn.so.9'
ADV_SONAME = 'libcudnn_adv.so.9'
MIN_VERSION = 90000
INSTALL_HINT = ('install it with `pip install nvidia-cudnn-cu13` (or put libcudnn.so.9 on '
                'LD_LIBRARY_PATH)')

rnn_layout = 'packed'

# ----- enums (cudnn_graph.h / cudnn_ops.h / cudnn_adv.h, cuDNN 9) --------------------------------
DATA_FLOAT, DATA_DOUBLE, DATA_HALF, DATA_INT32 = 0, 1, 2, 4
DEFAULT_MATH, TENSOR_OP_MATH, FMA_MATH = 0, 1, 3
RNN_ALGO_STANDARD = 0
FWD_MODE_INFERENCE, FWD_MODE_TRAINING = 0, 1
RNN_RELU, RNN_TANH, LSTM, GRU = 0, 1, 2, 3
RNN_DOUBLE_BIAS = 2
UNIDIRECTIONAL, BIDIRECTIONAL = 0, 1
LINEAR_INPUT = 0
SEQ_MAJOR_UNPACKED, SEQ_MAJOR_PACKED = 0, 1
RNN_PADDED_IO_DISABLED, RNN_PADDED_IO_ENABLED = 0, 1
WGRAD_MODE_ADD = 0


class CuDNNError(RuntimeError):
    """A cuDNN call returned a non-zero status.

    Attributes:
        function (str): Name of the cuDNN function.
        status (int): The ``cudnnStatus_t`` value.
    """

    def __init__(self, function, status, message):
        super().__init__(message)
        self.function = function
        self.status = status


class CuDNNUnavailableError(RuntimeError):
    """cuDNN cannot be used here (no library, too old, no CuPy or no GPU)."""


# ----- ctypes signatures ------------------------------------------------------------------------
_STATUS = ctypes.c_int
_P = ctypes.c_void_p
_I = ctypes.c_int
_I32 = ctypes.c_int32
_SIZE = ctypes.c_size_t
_PSIZE = ctypes.POINTER(ctypes.c_size_t)
_PP = ctypes.POINTER(ctypes.c_void_p)
_PI = ctypes.POINTER(ctypes.c_int)

# name -> (restype, argtypes). Enums are C ints; host int arrays and device buffers are void*.
SIGNATURES = {
    'cudnnGetVersion': (_SIZE, ()),
    'cudnnGetErrorString': (ctypes.c_char_p, (_STATUS,)),
    'cudnnGetLastErrorString': (None, (ctypes.c_char_p, _SIZE)),
    'cudnnAdvVersionCheck': (_STATUS, ()),
    'cudnnCreate': (_STATUS, (_PP,)),
    'cudnnDestroy': (_STATUS, (_P,)),
    'cudnnSetStream': (_STATUS, (_P, _P)),
    'cudnnCreateTensorDescriptor': (_STATUS, (_PP,)),
    'cudnnDestroyTensorDescriptor': (_STATUS, (_P,)),
    'cudnnSetTensorNdDescriptor': (_STATUS, (_P, _I, _I, _P, _P)),
    'cudnnGetTensorNdDescriptor': (_STATUS, (_P, _I, _PI, _PI, _P, _P)),
    'cudnnCreateDropoutDescriptor': (_STATUS, (_PP,)),
    'cudnnDestroyDropoutDescriptor': (_STATUS, (_P,)),
    'cudnnDropoutGetStatesSize': (_STATUS, (_P, _PSIZE)),
    'cudnnSetDropoutDescriptor': (_STATUS, (_P, _P, ctypes.c_float, _P, _SIZE,
                                            ctypes.c_ulonglong)),
    'cudnnRestoreDropoutDescriptor': (_STATUS, (_P, _P, ctypes.c_float, _P, _SIZE,
                                                ctypes.c_ulonglong)),
    'cudnnCreateRNNDescriptor': (_STATUS, (_PP,)),
    'cudnnDestroyRNNDescriptor': (_STATUS, (_P,)),
    'cudnnSetRNNDescriptor_v8': (_STATUS, (_P, _I, _I, _I, _I, _I, _I, _I, _I, _I32, _I32, _I32,
                                           _I32, _P, ctypes.c_uint32)),
    'cudnnCreateRNNDataDescriptor': (_STATUS, (_PP,)),
    'cudnnDestroyRNNDataDescriptor': (_STATUS, (_P,)),
    'cudnnSetRNNDataDescriptor': (_STATUS, (_P, _I, _I, _I, _I, _I, _P, _P)),
    'cudnnGetRNNWeightSpaceSize': (_STATUS, (_P, _P, _PSIZE)),
    'cudnnGetRNNWeightParams': (_STATUS, (_P, _P, _I32, _SIZE, _P, _I32, _P, _PP, _P, _PP)),
    'cudnnGetRNNTempSpaceSizes': (_STATUS, (_P, _P, _I, _P, _PSIZE, _PSIZE)),
    'cudnnRNNForward': (_STATUS, (_P, _P, _I, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P,
                                  _SIZE, _P, _SIZE, _P, _SIZE, _P)),
    'cudnnRNNBackwardData_v8': (_STATUS, (_P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P,
                                          _P, _P, _P, _SIZE, _P, _SIZE, _P, _SIZE, _P)),
    'cudnnRNNBackwardWeights_v8': (_STATUS, (_P, _P, _I, _P, _P, _P, _P, _P, _P, _P,
                                             _SIZE, _P, _SIZE, _P, _SIZE, _P)),
}
# Looked up but not required: error messages are only richer with it.
OPTIONAL = frozenset({'cudnnGetLastErrorString'})


def format_version(version):
    """``92800 -> '9.28.0'`` (cuDNN 9's encoding); ``8907 -> '8.9.7'`` (cuDNN 8's)."""
    if version >= 10000:
        return f'{version // 10000}.{version % 10000 // 100}.{version % 100}'
    return f'{version // 1000}.{version % 1000 // 100}.{version % 100}'


class _Checked:
    """A status-returning cuDNN function that raises :class:`CuDNNError` instead."""

    __slots__ = ('name', 'fn', 'lib')

    def __init__(self, name, fn, lib):
        self.name = name
        self.fn = fn
        self.lib = lib

    def __call__(self, *args):
        status = self.fn(*args)
        if status:
            raise self.lib.error(self.name, status)


class Library:
    """The loaded cuDNN with every function dbr uses declared (argtypes/restype).

    Status-returning functions are attributes of the same name that raise :class:`CuDNNError`.

    Args:
        cdll: The ``ctypes.CDLL`` of ``libcudnn.so.9`` (or a stand-in with the same attributes).
        path (str): Where it was loaded from (for messages).
        source (str): How it was found (for messages).

    Raises:
        CuDNNUnavailableError: The library lacks a function, is older than 9.0, or its adv
            sub-library (RNN) does not load.
    """

    def __init__(self, cdll, path, source):
        self.path = path
        self.source = source
        self._cdlls = [cdll]
        self._adv_tried = False
        for name, (restype, argtypes) in SIGNATURES.items():
            fn = self._symbol(name)
            if fn is None:
                if name in OPTIONAL:
                    setattr(self, name, None)
                    continue
                raise CuDNNUnavailableError(f'dbr.backends.cudnn: {path} (found via {source}) '
                                            f'has no {name}; is it cuDNN 9?')
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, _Checked(name, fn, self) if restype is _STATUS else fn)
        self.version = int(self.cudnnGetVersion())
        if self.version < MIN_VERSION:
            raise CuDNNUnavailableError(
                f'dbr.backends.cudnn: cuDNN {format_version(self.version)} found at {path} '
                f'(via {source}); dbr needs cuDNN >= {format_version(MIN_VERSION)}')
        try:
            self.cudnnAdvVersionCheck()
        except CuDNNError as e:
            raise CuDNNUnavailableError(
                f'dbr.backends.cudnn: the RNN sub-library (libcudnn_adv) of {path} is unusable: '
                f'{e}') from e

    def _symbol(self, name):
        for cdll in self._cdlls:
            try:
                return getattr(cdll, name)
            except AttributeError:
                pass
        if not self._adv_tried:
            self._adv_tried = True
            adv = _load_adv(self.path)
            if adv is not None:
                self._cdlls.append(adv)
                return self._symbol(name)
        return None

    def error(self, function, status):
        """The :class:`CuDNNError` for ``status`` returned by ``function``."""
        text = self.cudnnGetErrorString(status)
        text = text.decode(errors='replace') if text else 'unknown status'
        message = f'{function} failed: {text} (cuDNN status {status})'
        if self.cudnnGetLastErrorString is not None:
            buf = ctypes.create_string_buffer(1024)
            self.cudnnGetLastErrorString(buf, len(buf))
            last = buf.value.decode(errors='replace').strip()
            if last:
                message += f': {last}'
        return CuDNNError(function, status, message)


# ----- discovery (each primitive is a separate function so tests can replace it) ----------------
def _dlopen(name, mode):
    return ctypes.CDLL(name, mode=mode)


def _loaded_paths():
    """Paths of ``libcudnn.so.9*`` mapped into this process."""
    try:
        with open('/proc/self/maps') as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    paths = []
    for line in lines:
        fields = line.split(None, 5)             # address perms offset dev inode [path]
        path = fields[5].strip() if len(fields) == 6 else ''
        if os.path.basename(path).startswith(SONAME) and path not in paths:
            paths.append(path)
    return paths


def _import_pathfinder():
    try:
        return importlib.import_module('cuda.pathfinder')
    except ImportError:
        return None


def _nvidia_cudnn_dirs():
    """The folders of the ``nvidia.cudnn`` namespace package (no ``__init__``, so no __file__)."""
    try:
        spec = importlib.util.find_spec('nvidia.cudnn')
    except (ImportError, ValueError):
        return []
    return list(spec.submodule_search_locations or ()) if spec is not None else []


_MODE = os.RTLD_NOW | os.RTLD_GLOBAL


def _from_process():
    paths = _loaded_paths()
    if not paths:
        return None, f'{SONAME} is not loaded in this process'
    return _dlopen(paths[0], _MODE | os.RTLD_NOLOAD), paths[0]


def _from_pathfinder():
    pathfinder = _import_pathfinder()
    if pathfinder is None:
        return None, 'cuda.pathfinder is not installed'
    try:
        loaded = pathfinder.load_nvidia_dynamic_lib('cudnn')
    except Exception as e:  # not found, or an older catalog without cudnn (several types)
        return None, f'{type(e).__name__}: {e}'
    path = getattr(loaded, 'abs_path', None) or SONAME
    return _dlopen(path, _MODE), path


def _from_nvidia_package():
    dirs = _nvidia_cudnn_dirs()
    if not dirs:
        return None, 'the nvidia-cudnn-cu13 package is not installed'
    for d in dirs:
        path = os.path.join(d, 'lib', SONAME)
        if os.path.isfile(path):
            return _dlopen(path, _MODE), path
    return None, f'no lib/{SONAME} in {", ".join(dirs)}'


def _from_system():
    return _dlopen(SONAME, _MODE), SONAME


SOURCES = (('already loaded', _from_process), ('cuda.pathfinder', _from_pathfinder),
           ('nvidia.cudnn package', _from_nvidia_package), ('system loader', _from_system))


def _load_adv(main_path):
    """``libcudnn_adv.so.9`` next to ``main_path`` (else by soname), or None."""
    here = os.path.join(os.path.dirname(main_path), ADV_SONAME) if os.sep in main_path else None
    for name in ([here] if here and os.path.isfile(here) else []) + [ADV_SONAME]:
        try:
            return _dlopen(name, _MODE)
        except OSError:
            pass
    return None


def load():
    """Finds and loads cuDNN (see the module docstring for the order); no caching.

    Returns:
        Library: The loaded library.

    Raises:
        CuDNNUnavailableError: Nothing usable was found; the message lists every attempt.
    """
    tried = []
    for source, find in SOURCES:
        try:
            cdll, path = find()
        except OSError as e:
            tried.append(f'{source}: {e}')
            continue
        if cdll is None:
            tried.append(f'{source}: {path}')
            continue
        return Library(cdll, path, source)
    raise CuDNNUnavailableError(f'dbr.backends.cudnn: {SONAME} not found ({"; ".join(tried)}); '
                                f'{INSTALL_HINT}')


_load_lock = threading.Lock()
_loaded = None           # (Library or None, exception or None) once load() has run


def get_library():
    """Returns the process-wide :class:`Library`, loading it on the first call.

    Raises:
        CuDNNUnavailableError: cuDNN cannot be loaded (the first failure is remembered).

    Example:
        >>> dbr.backends.cudnn.get_library().version  # doctest: +SKIP
        92800
    """
    global _loaded
    if _loaded is None:
        with _load_lock:
            if _loaded is None:
                try:
                    _loaded = (load(), None)
                except CuDNNUnavailableError as e:
                    _loaded = (None, e)
    lib, error = _loaded
    if error is not None:
        raise error
    return lib


def _reset():
    """Forgets the loaded library and this thread's handles (for tests)."""
    global _loaded
    _loaded = None
    _tls.devices = {}


def _gpu_available():
    from dbr.backends import cuda
    return cuda.available


def unavailable_reason():
    """Why cuDNN cannot be used here, or None when it can. Never raises.

    Example:
        >>> print(dbr.backends.cudnn.unavailable_reason())  # doctest: +SKIP
        None
    """
    try:
        if not _gpu_available():
            return 'CuPy is not installed or no CUDA device is visible'
        get_library()
    except Exception as e:  # anything at all means "not available"; the message says why
        return str(e) or type(e).__name__
    return None


def available():
    """True when CuPy, a CUDA device and a usable cuDNN >= 9.0 are all present. Never raises.

    Example:
        >>> dbr.backends.cudnn.available()  # doctest: +SKIP
        True
    """
    return unavailable_reason() is None


# ----- handles and per-(thread, device) state ---------------------------------------------------
def _current_device_id():
    import cupy
    return cupy.cuda.Device().id


def _current_stream_ptr():
    import cupy
    return cupy.cuda.get_current_stream().ptr


def _using_device(device_id):
    import cupy
    return cupy.cuda.Device(device_id)


class DeviceState:
    """cuDNN objects of one (thread, device): the handle, dropout RNG states, and a cache.

    Attributes:
        lib (Library): The library.
        device_id (int): The device.
        handle (int): The ``cudnnHandle_t``.
        cache (dict): Objects built once per configuration (descriptors, weight layouts).
        dropout_states: ``(buffer, nbytes, seed)`` once the RNG states exist, else None.
    """

    def __init__(self, lib, device_id, handle):
        self.lib = lib
        self.device_id = device_id
        self.handle = handle
        self.cache = {}
        self.dropout_states = None

    def __del__(self):
        # A thread that used cuDNN has ended. cudnnDestroy synchronizes the device, which is
        # fine here and never on a hot path; at interpreter exit the driver cleans up.
        if self.handle and not sys.is_finalizing():
            self.cache.clear()
            try:
                with _using_device(self.device_id):
                    self.lib.cudnnDestroy(self.handle)
            except Exception:  # a destructor must not raise; the handle is leaked then
                pass


class _ThreadState(threading.local):
    def __init__(self):
        self.devices = {}


_tls = _ThreadState()


def device_state():
    """This thread's :class:`DeviceState` for the current device, its handle on CuPy's stream.

    Call it once per operation (forward, backward): the handle is set to the current stream
    each time, so cuDNN's kernels are ordered with CuPy's and its temporaries stay valid.

    Example:
        >>> st = dbr.backends.cudnn.device_state()  # doctest: +SKIP
    """
    lib = get_library()
    device_id = _current_device_id()
    state = _tls.devices.get(device_id)
    if state is None:
        h = ctypes.c_void_p()
        lib.cudnnCreate(ctypes.byref(h))
        state = _tls.devices[device_id] = DeviceState(lib, device_id, h.value)
    lib.cudnnSetStream(state.handle, _current_stream_ptr())
    return state


class Descriptor:
    """An owned cuDNN descriptor (``kind`` is ``'Tensor'``, ``'RNN'``, ``'RNNData'``, ...).

    It passes as its ``void*`` to ctypes functions and is destroyed with the object.
    """

    __slots__ = ('_as_parameter_', '_destroy')

    def __init__(self, lib, kind):
        p = ctypes.c_void_p()
        getattr(lib, f'cudnnCreate{kind}Descriptor')(ctypes.byref(p))
        self._as_parameter_ = p.value
        self._destroy = getattr(lib, f'cudnnDestroy{kind}Descriptor')

    def __del__(self):
        if self._as_parameter_ and not sys.is_finalizing():
            try:
                self._destroy(self._as_parameter_)
            except Exception:  # a destructor must not raise
                pass


def tensor_descriptor(lib, data_type, dims):
    """A fully packed N-d tensor descriptor (C order)."""
    desc = Descriptor(lib, 'Tensor')
    strides = [1] * len(dims)
    for i in range(len(dims) - 2, -1, -1):
        strides[i] = strides[i + 1] * dims[i + 1]
    n = len(dims)
    lib.cudnnSetTensorNdDescriptor(desc, data_type, n, (ctypes.c_int * n)(*dims),
                                   (ctypes.c_int * n)(*strides))
    return desc


def alloc_bytes(nbytes):
    """A CuPy uint8 buffer of ``nbytes`` on the current device (None for 0 bytes)."""
    if not nbytes:
        return None
    import cupy
    return cupy.empty(nbytes, cupy.uint8)


def data_ptr(buffer):
    """The device address of a CuPy array, or None (NULL) for None."""
    return None if buffer is None else buffer.data.ptr


def _draw_seed():
    # From CuPy's global generator, so cupy.random.seed() makes dropout reproducible.
    import cupy
    return int(cupy.random.randint(0, 2 ** 31 - 1))


def dropout_descriptor(state, ratio):
    """A dropout descriptor with ``ratio`` for this (thread, device), cached.

    The RNG states are created and initialized (a costly kernel) only the first time a
    non-zero ratio is asked for; other ratios re-attach them with
    cudnnRestoreDropoutDescriptor, which does not re-initialize. A zero ratio needs no states.

    Args:
        state (DeviceState): From :func:`device_state`.
        ratio (float): Dropout ratio in [0, 1).
    """
    key = ('dropout', float(ratio))
    desc = state.cache.get(key)
    if desc is not None:
        return desc
    lib = state.lib
    desc = Descriptor(lib, 'Dropout')
    if ratio == 0:
        lib.cudnnSetDropoutDescriptor(desc, state.handle, 0.0, None, 0, 0)
    elif state.dropout_states is None:
        size = ctypes.c_size_t()
        lib.cudnnDropoutGetStatesSize(state.handle, ctypes.byref(size))
        buffer = alloc_bytes(size.value)
        seed = _draw_seed()
        lib.cudnnSetDropoutDescriptor(desc, state.handle, ratio, data_ptr(buffer), size.value,
                                      seed)
        state.dropout_states = (buffer, size.value, seed)
    else:
        buffer, nbytes, seed = state.dropout_states
        lib.cudnnRestoreDropoutDescriptor(desc, state.handle, ratio, data_ptr(buffer), nbytes,
                                          seed)
    state.cache[key] = desc
    return desc
