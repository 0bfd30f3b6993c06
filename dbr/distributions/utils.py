"""Helpers shared by the distributions: parameter intake, per-mode cached properties, shapes."""
import numpy

from dbr import backend
from dbr.configuration import config, get_dtype
from dbr.variable import Variable


class cached_property:
    """A read-only property computed once per instance and per ``config.enable_backprop``.

    A value computed under ``no_backprop_mode`` has no graph, so it is cached apart from the
    one computed with backprop enabled; both stay valid for the life of the distribution.

    Example:
        >>> class D(dbr.distributions.Distribution):
        ...     @cached_property
        ...     def mean(self):
        ...         return dbr.Variable(numpy.zeros(2))
    """

    def __init__(self, func):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        cache = obj.__dict__.get('_cache')
        if cache is None:
            cache = obj.__dict__['_cache'] = {}
        key = (self.name, config.enable_backprop)
        value = cache.get(key)
        if value is None:
            value = cache[key] = self.func(obj)
        return value


def _is_array(a):
    return isinstance(a, numpy.ndarray) or backend.is_gpu_array(a)


def as_params(label, **params):
    """Returns the named parameters as Variables of one float dtype, in the order given.

    Arrays become Variables that need no gradient; Variables are kept, so gradients flow to
    them. Python scalars take the dtype (and device) of the array parameters, or
    :func:`dbr.get_dtype` when all are scalars.

    Raises:
        TypeError: A parameter is not a float Variable/array/scalar, or the dtypes differ.

    Example:
        >>> loc, scale = as_params('Normal', loc=numpy.zeros(3, 'f'), scale=1.0)
        >>> scale.dtype
        dtype('float32')
    """
    out = {}
    dtype = None
    xp = numpy
    for name, value in params.items():
        if isinstance(value, numpy.generic):
            value = numpy.asarray(value)
        if _is_array(value):
            value = Variable(value, requires_grad=False)
        elif not isinstance(value, Variable):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[name] = value
                continue
            raise TypeError(f'{label}: {name} must be a Variable, an array or a float, got '
                            f'{type(value).__name__}')
        if value.dtype.kind != 'f':
            raise TypeError(f'{label}: {name} must have a float dtype, got {value.dtype}')
        if dtype is None:
            dtype = value.dtype
            xp = backend.get_array_module(value)
        elif value.dtype != dtype:
            first = next(n for n, v in out.items() if isinstance(v, Variable))
            raise TypeError(f'{label}: parameters must share one dtype, got {first}.dtype='
                            f'{dtype} and {name}.dtype={value.dtype}')
        out[name] = value
    dtype = get_dtype() if dtype is None else dtype
    return [v if isinstance(v, Variable) else
            Variable(xp.asarray(v, dtype=dtype), requires_grad=False) for v in out.values()]


def broadcast_shapes(label, **shapes):
    """The broadcast of the named shapes, or a ValueError naming ``label`` and all of them.

    Example:
        >>> broadcast_shapes('Normal', loc=(3, 1), scale=(4,))
        (3, 4)
    """
    try:
        return tuple(numpy.broadcast_shapes(*shapes.values()))
    except ValueError:
        desc = ', '.join(f'{n}.shape={s}' for n, s in shapes.items())
        raise ValueError(f'{label}: parameter shapes do not broadcast: {desc}') from None


def broadcast_to(v, shape):
    """``v`` itself when it has ``shape``, else ``F.broadcast_to(v, shape)``.

    Example:
        >>> broadcast_to(dbr.Variable(numpy.zeros(3)), (2, 3)).shape
        (2, 3)
    """
    if v.shape == shape:
        return v
    from dbr.functions.array.broadcast_to import broadcast_to as broadcast_to_
    return broadcast_to_(v, shape)


def xlogx(v):
    """``v * log(v)`` with the limit 0 at ``v = 0`` (and a zero gradient there).

    Example:
        >>> xlogx(dbr.Variable(numpy.array([0., 1.]))).array
        array([0., 0.])
    """
    from dbr.functions.math.log import log
    from dbr.functions.math.where import where
    positive = v.array > 0
    return where(positive, v * log(where(positive, v, 1.0)), 0.0)


def safe_log(v):
    """``log(v)`` that yields ``-inf`` at ``v = 0`` without a division warning.

    Example:
        >>> safe_log(dbr.Variable(numpy.array([0., 1.]))).array
        array([-inf,   0.])
    """
    from dbr.functions.math.log import log
    from dbr.functions.math.where import where
    positive = v.array > 0
    return where(positive, log(where(positive, v, 1.0)), -numpy.inf)


def as_input(x, like):
    """``x`` as a Variable: float Variables pass through; arrays, scalars and integer
    Variables (e.g. the samples of a discrete distribution) become constants of ``like``'s
    dtype and array module (so float64 data can meet a float32 distribution).

    Example:
        >>> as_input(numpy.zeros(2), dbr.Variable(numpy.zeros(1, 'f'))).dtype
        dtype('float32')
    """
    if isinstance(x, Variable):
        if x.dtype.kind == 'f':
            return x
        x = x.array
    xp = backend.get_array_module(like)
    return Variable(xp.asarray(x, dtype=like.dtype), requires_grad=False)


def sample_categorical(p, n):
    """``n`` int32 category indices per row of the probability array ``p`` (last axis), shape
    ``(n,) + p.shape[:-1]``, by inverse-CDF sampling vectorized over the batch.

    Example:
        >>> sample_categorical(numpy.array([[0., 1.]]), 3)[:, 0]
        array([1, 1, 1], dtype=int32)
    """
    xp = backend.get_array_module(p)
    cdf = xp.cumsum(p, axis=-1)
    # Scaling u by the row total tolerates rows that sum to 1 only up to rounding.
    u = xp.random.random_sample((n,) + p.shape[:-1] + (1,)) * cdf[..., -1:]
    idx = (cdf <= u).sum(axis=-1)
    return xp.minimum(idx, p.shape[-1] - 1).astype(numpy.int32)
