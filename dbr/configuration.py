"""Thread-local configuration: ``dbr.config``, ``dbr.global_config``, ``using_config``.

Each thread reads its own overrides first and falls back to the global values. Values live
as plain attributes so that the per-op hot path (``config.enable_backprop``) is a single
attribute lookup: global values are class attributes of the thread-local class, and a
thread's overrides are instance attributes that shadow them.
"""
import contextlib
import sys
import threading

import numpy


class _LocalConfig(threading.local):
    """Per-thread view of the configuration; unset keys fall back to the global ones.

    No ``__getattr__`` here: defining one would slow every attribute read on the hot path.
    Writes (``dbr.config.dtype = 'float16'``) are checked like ``using_config`` values.
    """

    def __setattr__(self, name, value):
        super().__setattr__(name, _validate(name, value))

    def show(self, file=None):
        """Prints every configuration key and the value this thread sees.

        Args:
            file: Stream to print to; ``sys.stdout`` by default.

        Example:
            >>> dbr.config.show()  # doctest: +SKIP
            debug              False
            ...
        """
        file = sys.stdout if file is None else file
        keys = _known_keys() + sorted(k for k in vars(self) if k not in _known_keys())
        width = max(len(k) for k in keys)
        for key in keys:
            file.write(f'{key:<{width}}  {getattr(self, key)!r}\n')


def _known_keys():
    return sorted(k for k, v in vars(_LocalConfig).items()
                  if not k.startswith('_') and not callable(v))


class _GlobalConfig:
    """Process-wide defaults; every thread sees them unless it overrides a key."""

    def __getattr__(self, name):
        try:
            return vars(_LocalConfig)[name]
        except KeyError:
            raise AttributeError(f'dbr.global_config has no key {name!r}') from None

    def __setattr__(self, name, value):
        if name.startswith('_'):
            raise AttributeError(f'dbr.global_config: keys may not start with "_", got {name!r}')
        setattr(_LocalConfig, name, _validate(name, value))

    def __delattr__(self, name):
        delattr(_LocalConfig, name)

    def show(self, file=None):
        """Prints the global defaults (see ``dbr.config.show``)."""
        file = sys.stdout if file is None else file
        for key in _known_keys():
            file.write(f'{key}  {vars(_LocalConfig)[key]!r}\n')


global_config = _GlobalConfig()
config = _LocalConfig()

_LEVELS = ('always', 'auto', 'never')
_LEVEL_KEYS = ('use_cudnn', 'use_cudnn_tensor_core', 'use_ideep')


def _validate(name, value):
    if name in _LEVEL_KEYS and value not in _LEVELS:
        raise ValueError(f'dbr.config: {name} must be one of {_LEVELS}, got {value!r}')
    if name == 'dtype':
        return numpy.dtype(value)
    return value


global_config.train = True
global_config.enable_backprop = True
global_config.type_check = True
global_config.debug = False
global_config.use_cudnn = 'auto'
global_config.cudnn_deterministic = False
global_config.dtype = numpy.dtype(numpy.float32)
global_config.keep_graph_on_report = False
# True while F.forget reruns a function in backward (statistics must not be updated twice).
global_config.in_recomputing = False

# Keys Chainer scripts set that tune speed, never results; dbr accepts them with Chainer's
# defaults. Without iDeep, every ``use_ideep`` level computes with NumPy, as in Chainer without it.
global_config.autotune = False
global_config.use_cudnn_tensor_core = 'auto'
global_config.use_ideep = 'never'
global_config.lazy_grad_sum = False
global_config.warn_nondeterministic = False


@contextlib.contextmanager
def using_config(name, value, config=config):
    """Sets a configuration key for the current thread within a ``with`` block.

    Args:
        name (str): Key to set, e.g. ``'train'`` or ``'enable_backprop'``.
        value: Value the key takes inside the block; the previous state is restored on exit.
        config: Configuration object to change (the thread-local ``dbr.config`` by default).

    Example:
        >>> with dbr.using_config('train', False):
        ...     y = model(x)  # doctest: +SKIP
    """
    value = _validate(name, value)
    local = vars(config)
    had_local = name in local
    old = local.get(name)
    setattr(config, name, value)
    try:
        yield
    finally:
        if had_local:
            setattr(config, name, old)
        else:
            delattr(config, name)


def no_backprop_mode():
    """Context manager that disables graph construction (like ``torch.no_grad``).

    Example:
        >>> with dbr.no_backprop_mode():
        ...     y = x * 2  # y has no creator  # doctest: +SKIP
    """
    return using_config('enable_backprop', False)


def force_backprop_mode():
    """Context manager that enables graph construction even inside ``no_backprop_mode``.

    Example:
        >>> with dbr.no_backprop_mode():
        ...     with dbr.force_backprop_mode():
        ...         y = x * 2  # y is connected to x  # doctest: +SKIP
    """
    return using_config('enable_backprop', True)


def get_dtype(dtype=None):
    """Returns ``dtype`` as a NumPy dtype, or ``config.dtype`` when it is None.

    Example:
        >>> dbr.get_dtype()
        dtype('float32')
    """
    return config.dtype if dtype is None else numpy.dtype(dtype)
