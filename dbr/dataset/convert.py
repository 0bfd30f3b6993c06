"""Converters: turn a list of examples into batched arrays on a device.

``concat_examples`` is the default converter of updaters and evaluators: a list of ``(x, t)``
tuples becomes a tuple of stacked arrays ``(X, T)``, a list of dicts a dict of stacked arrays,
and a list of arrays one stacked array. Arrays are stacked where they live (host or GPU) and
then sent to ``device``, so a host batch crosses to the GPU once per field.
"""
import functools

import numpy

from dbr import backend


class Converter:
    """Base class of converters: ``converter(batch, device)`` returns the converted batch.

    ``device`` is a :class:`dbr.backend.Device` (or None: leave arrays where they are).
    Updaters call old-style converters (plain functions) with an int device id instead
    (``-1`` for the host); functions decorated with :func:`converter` get a Device.

    Example:
        >>> class Scale(dbr.dataset.Converter):
        ...     def __call__(self, batch, device):
        ...         x, t = dbr.dataset.concat_examples(batch, device)
        ...         return x / 255, t
    """

    def __call__(self, batch, device):
        raise NotImplementedError(f'{type(self).__name__} does not implement __call__')


class _ArbitraryCallableConverter(Converter):
    """Wraps a converter function, normalizing its ``device`` argument to a Device."""

    def __init__(self, base_callable):
        if not callable(base_callable):
            raise TypeError(f'dbr.dataset.converter: can only wrap a callable, got '
                            f'{type(base_callable).__name__}')
        self.base_callable = base_callable
        functools.update_wrapper(self, base_callable)

    def __call__(self, *args, **kwargs):
        if len(args) >= 2:
            args = list(args)
            args[1] = _get_device(args[1])
        elif 'device' in kwargs:
            kwargs['device'] = _get_device(kwargs['device'])
        return self.base_callable(*args, **kwargs)


def converter():
    """Decorator turning a function ``f(batch, device)`` into a :class:`Converter`.

    The wrapped function always receives a :class:`dbr.backend.Device` (or None) as
    ``device``, whatever the caller passed: an int id (``-1`` for the host), a spec such as
    ``'@cupy:0'``, or a Device.

    Example:
        >>> @dbr.dataset.converter()
        ... def to_float(batch, device):
        ...     x, t = dbr.dataset.concat_examples(batch, device)
        ...     return x.astype('f'), t
    """
    def wrap(func):
        return _ArbitraryCallableConverter(func)
    return wrap


def _call_converter(converter, batch, device):
    """Calls ``converter`` as updaters do: new-style converters get the Device itself,
    old-style functions get None, ``-1`` (host) or the GPU id."""
    if isinstance(converter, Converter):
        return converter(batch, device)
    if device is None:
        return converter(batch, None)
    device = backend.get_device(device)
    if isinstance(device, backend.GpuDevice):
        return converter(batch, device.id)
    return converter(batch, -1)


def _get_device(device_spec):
    return None if device_spec is None else backend.get_device(device_spec)


def to_device(device, x):
    """Sends ``x`` (an array, or a list/tuple/dict of arrays) to ``device``.

    Args:
        device: None (leave ``x`` where it is), an int (negative: host, ``N >= 0``: GPU N), a
            spec such as ``'@numpy'`` or ``'@cupy:0'``, or a :class:`dbr.backend.Device`.
        x: What to send.

    Example:
        >>> dbr.dataset.to_device('@numpy', numpy.zeros(2))
        array([0., 0.])
    """
    device = _get_device(device)
    if device is None:
        return x
    return device.send(x)


@converter()
def concat_examples(batch, device=None, padding=None):
    """Stacks a list of examples into batched arrays along a new first axis.

    Examples that are tuples give a tuple of arrays (one per position), dicts give a dict of
    arrays (one per key of the first example), anything else (arrays, numbers) gives one
    array. Python numbers and lists are converted with ``numpy.asarray``.

    Args:
        batch (list): The examples, typically from an iterator's ``next()``.
        device: Where to send the arrays (see :func:`to_device`); None leaves them where
            they are.
        padding: None to require equal shapes. Otherwise the value filling the extra
            elements when arrays of one field differ in shape: each field becomes an array
            of the elementwise maximum shape, each example's array in its leading corner. A
            tuple (for tuple examples) or dict (for dict examples) gives one value per field.

    Returns:
        A tuple of arrays, a dict of arrays, or an array, following the examples' type.

    Raises:
        ValueError: ``batch`` is empty, or shapes differ and ``padding`` is None.

    Example:
        >>> batch = [(numpy.array([1, 2]), 0), (numpy.array([3]), 1)]
        >>> x, t = dbr.dataset.concat_examples(batch, padding=-1)
        >>> x
        array([[ 1,  2],
               [ 3, -1]])
        >>> t
        array([0, 1])
    """
    if len(batch) == 0:
        raise ValueError('concat_examples: batch is empty')
    first = batch[0]
    if isinstance(first, tuple):
        n = len(first)
        if not isinstance(padding, tuple):
            padding = (padding,) * n
        elif len(padding) != n:
            raise ValueError(f'concat_examples: padding has {len(padding)} values but the '
                             f'examples are tuples of {n}')
        return tuple(to_device(device, _concat_arrays([example[i] for example in batch],
                                                      padding[i], i))
                     for i in range(n))
    if isinstance(first, dict):
        if not isinstance(padding, dict):
            padding = dict.fromkeys(first, padding)
        return {key: to_device(device, _concat_arrays([example[key] for example in batch],
                                                      padding[key], key))
                for key in first}
    return to_device(device, _concat_arrays(batch, padding, None))


def _is_array(x):
    return isinstance(x, numpy.ndarray) or backend.is_gpu_array(x)


def _where(field):
    return '' if field is None else f' (field {field!r})'


def _concat_arrays(arrays, padding, field):
    if not _is_array(arrays[0]):
        if padding is None:
            try:
                return numpy.asarray(arrays)
            except ValueError as e:  # ragged nested lists
                raise ValueError(f'concat_examples: examples{_where(field)} have different '
                                 f'shapes; pass padding= to pad them ({e})') from None
        arrays = [numpy.asarray(a) for a in arrays]
    if padding is not None:
        return _concat_arrays_with_padding(arrays, padding, field)
    device = backend.get_device_from_array(arrays[0])
    with device:
        try:
            return device.xp.stack(arrays)
        except ValueError:
            shapes = sorted({tuple(a.shape) for a in arrays}, key=str)
            raise ValueError(f'concat_examples: examples{_where(field)} have different shapes '
                             f'{", ".join(map(str, shapes[:4]))}; pass padding= to pad '
                             f'them') from None


def _concat_arrays_with_padding(arrays, padding, field):
    shapes = [a.shape for a in arrays]
    ndim = len(shapes[0])
    if any(len(s) != ndim for s in shapes):
        ndims = sorted({len(s) for s in shapes})
        raise ValueError(f'concat_examples: cannot pad examples{_where(field)} with different '
                         f'numbers of dimensions {ndims}')
    max_shape = tuple(max(dims) for dims in zip(*shapes))
    device = backend.get_device_from_array(arrays[0])
    xp = device.xp
    with device:
        result = xp.full((len(arrays),) + max_shape, padding, dtype=arrays[0].dtype)
        if ndim == 1:
            # Ragged 1-D sequences (the common case): one masked assignment, no Python loop.
            lengths = numpy.array([s[0] for s in shapes])
            mask = numpy.arange(max_shape[0]) < lengths[:, None]
            result[xp.asarray(mask)] = xp.concatenate(arrays).astype(result.dtype, copy=False)
        else:
            for i, a in enumerate(arrays):
                result[(i,) + tuple(slice(d) for d in a.shape)] = a
    return result
