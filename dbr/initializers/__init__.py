"""Initializers: callables that fill an array in place (``initializer(array)``).

Random initializers draw from ``numpy.random`` (or their ``rng``) on the host and copy the
result to the array's device, so ``numpy.random.seed`` makes CPU and GPU models start equal.
Link constructors accept an initializer, a scalar, an array, or a name (``'he_normal'``).
"""
import math

import numpy

from dbr import backend
from dbr.configuration import get_dtype


class Initializer:
    """Base class: ``initializer(array)`` fills ``array`` in place.

    Args:
        dtype: Dtype the initializer produces by default (``config.dtype`` when None).
    """

    def __init__(self, dtype=None):
        self.dtype = None if dtype is None else numpy.dtype(dtype)

    def __call__(self, array):
        raise NotImplementedError(f'{type(self).__name__} must implement __call__(array)')


class Constant(Initializer):
    """Fills an array with a scalar, or with a broadcastable array.

    Example:
        >>> w = numpy.empty((2, 3), 'f'); dbr.initializers.Constant(0.5)(w)
    """

    def __init__(self, fill_value, dtype=None):
        super().__init__(dtype)
        self.fill_value = fill_value

    def __call__(self, array):
        xp = backend.get_array_module(array)
        array[...] = xp.asarray(backend.to_cpu(self.fill_value) if xp is numpy else self.fill_value)

    def __repr__(self):
        return f'Constant({self.fill_value!r})'


def Zero(dtype=None):
    """Initializer that fills zeros.

    Example:
        >>> dbr.Parameter(dbr.initializers.Zero(), (3,)).array
        array([0., 0., 0.], dtype=float32)
    """
    return Constant(0.0, dtype)


def One(dtype=None):
    """Initializer that fills ones.

    Example:
        >>> dbr.Parameter(dbr.initializers.One(), (2,)).array
        array([1., 1.], dtype=float32)
    """
    return Constant(1.0, dtype)


def NaN(dtype=None):
    """Initializer that fills NaN (used for parameters nobody initialized on purpose).

    Example:
        >>> dbr.Parameter(dbr.initializers.NaN(), (1,)).array
        array([nan], dtype=float32)
    """
    return Constant(numpy.nan, dtype)


def _get_initializer(initializer):
    """Turns None, a scalar, an array or a name into an initializer object."""
    if initializer is None:
        return NaN()
    if isinstance(initializer, str):
        key = initializer.replace('_', '').lower()
        cls = _BY_NAME.get(key)
        if cls is None:
            raise ValueError(f'dbr.initializers: unknown initializer name {initializer!r}; known: '
                             f'{", ".join(sorted(_BY_NAME))}')
        return cls()
    if isinstance(initializer, (int, float, numpy.generic)) and not isinstance(initializer, bool):
        return Constant(initializer)
    if hasattr(initializer, 'shape') and hasattr(initializer, 'dtype'):
        # As in Chainer, an initial array gives values, not a dtype: the parameter keeps its own.
        return Constant(initializer)
    if not callable(initializer):
        raise TypeError(f'dbr.initializers: expected an initializer (callable), a scalar or an '
                        f'array, got {type(initializer).__name__}')
    return initializer


def generate_array(initializer, shape, xp, dtype=None):
    """Creates an array of ``shape`` on ``xp`` filled by ``initializer``.

    Args:
        initializer: Callable ``initializer(array)``; its ``dtype`` attribute, if set, wins
            over ``dtype``.
        shape (tuple of ints): Shape of the new array.
        xp: ``numpy`` or ``cupy``.
        dtype: Dtype when the initializer does not fix one (``config.dtype`` when None).

    Example:
        >>> dbr.initializers.generate_array(dbr.initializers.One(), (2,), numpy)
        array([1., 1.], dtype=float32)
    """
    dtype = getattr(initializer, 'dtype', None) or get_dtype(dtype)
    array = xp.empty(shape, dtype=dtype)
    initializer(array)
    return array


def get_fans(shape):
    """Returns ``(fan_in, fan_out)`` of a weight of ``shape`` (out, in, *kernel).

    Example:
        >>> dbr.initializers.get_fans((20, 10, 3, 3))
        (90, 180)
    """
    if len(shape) < 2:
        raise ValueError(f'dbr.initializers.get_fans: expected a shape with at least 2 axes, got '
                         f'{tuple(shape)}')
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


class _Random(Initializer):
    """Base of the random initializers: subclasses implement ``_sample(shape, rng)``."""

    def __init__(self, dtype=None, rng=None):
        super().__init__(dtype)
        self.rng = rng

    def __call__(self, array):
        if self.dtype is not None and array.dtype != self.dtype:
            raise ValueError(f'{type(self).__name__}: expected an array of dtype {self.dtype}, '
                             f'got {array.dtype}')
        rng = numpy.random if self.rng is None else self.rng
        sample = numpy.asarray(self._sample(array.shape, rng)).astype(array.dtype, copy=False)
        if isinstance(array, numpy.ndarray):
            array[...] = sample
        else:
            array.set(numpy.ascontiguousarray(sample))

    def _sample(self, shape, rng):
        raise NotImplementedError


class Normal(_Random):
    """Normal distribution with mean 0 and standard deviation ``scale``.

    Example:
        >>> w = numpy.empty((3, 4), 'f'); dbr.initializers.Normal(0.01)(w)
    """

    def __init__(self, scale=0.05, dtype=None, rng=None):
        super().__init__(dtype, rng)
        self.scale = scale

    def _sample(self, shape, rng):
        return rng.normal(0, self.scale, size=shape)


class Uniform(_Random):
    """Uniform distribution on ``[-scale, scale]``.

    Example:
        >>> w = numpy.empty(5, 'f'); dbr.initializers.Uniform(0.1)(w)
    """

    def __init__(self, scale=0.05, dtype=None, rng=None):
        super().__init__(dtype, rng)
        self.scale = scale

    def _sample(self, shape, rng):
        return rng.uniform(-self.scale, self.scale, size=shape)


class _FanScaled(_Random):
    """A normal or uniform distribution whose width follows the weight's fans."""

    uniform = False

    def __init__(self, scale=1.0, dtype=None, rng=None):
        super().__init__(dtype, rng)
        self.scale = scale

    def _variance(self, fan_in, fan_out):
        raise NotImplementedError

    def _sample(self, shape, rng):
        var = self._variance(*get_fans(shape))
        if self.uniform:
            limit = self.scale * math.sqrt(3 * var)
            return rng.uniform(-limit, limit, size=shape)
        return rng.normal(0, self.scale * math.sqrt(var), size=shape)


class LeCunNormal(_FanScaled):
    """Normal with std ``scale * sqrt(1 / fan_in)`` (Chainer's default for Linear).

    Example:
        >>> w = numpy.empty((3, 4), 'f'); dbr.initializers.LeCunNormal()(w)
    """

    def _variance(self, fan_in, fan_out):
        return 1.0 / fan_in


class LeCunUniform(LeCunNormal):
    """Uniform on ``±scale * sqrt(3 / fan_in)``.

    Example:
        >>> w = numpy.empty((3, 4), 'f'); dbr.initializers.LeCunUniform()(w)
    """

    uniform = True


class GlorotNormal(_FanScaled):
    """Normal with std ``scale * sqrt(2 / (fan_in + fan_out))`` (Xavier).

    Example:
        >>> w = numpy.empty((3, 4), 'f'); dbr.initializers.GlorotNormal()(w)
    """

    def _variance(self, fan_in, fan_out):
        return 2.0 / (fan_in + fan_out)


class GlorotUniform(GlorotNormal):
    """Uniform on ``±scale * sqrt(6 / (fan_in + fan_out))``.

    Example:
        >>> w = numpy.empty((3, 4), 'f'); dbr.initializers.GlorotUniform()(w)
    """

    uniform = True


class HeNormal(_FanScaled):
    """Normal with std ``scale * sqrt(2 / fan)``, ``fan_option`` 'fan_in' or 'fan_out'.

    Example:
        >>> w = numpy.empty((3, 4), 'f'); dbr.initializers.HeNormal()(w)
    """

    def __init__(self, scale=1.0, dtype=None, fan_option='fan_in', rng=None):
        super().__init__(scale, dtype, rng)
        if fan_option not in ('fan_in', 'fan_out'):
            raise ValueError(f"{type(self).__name__}: fan_option must be 'fan_in' or 'fan_out', "
                             f"got {fan_option!r}")
        self.fan_option = fan_option

    def _variance(self, fan_in, fan_out):
        return 2.0 / (fan_in if self.fan_option == 'fan_in' else fan_out)


class HeUniform(HeNormal):
    """Uniform on ``±scale * sqrt(6 / fan)``.

    Example:
        >>> w = numpy.empty((3, 4), 'f'); dbr.initializers.HeUniform()(w)
    """

    uniform = True


class Orthogonal(_Random):
    """A (scaled) orthogonal matrix: rows or columns orthonormal, kernels flattened.

    Example:
        >>> w = numpy.empty((4, 4)); dbr.initializers.Orthogonal(scale=1.0)(w)
        >>> numpy.allclose(w @ w.T, numpy.eye(4))
        True
    """

    def __init__(self, scale=1.1, dtype=None, rng=None):
        super().__init__(dtype, rng)
        self.scale = scale

    def _sample(self, shape, rng):
        if len(shape) < 2:
            raise ValueError(f'Orthogonal: expected a shape with at least 2 axes, got {shape}')
        rows, cols = shape[0], math.prod(shape[1:])
        a = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = numpy.linalg.qr(a)
        q *= numpy.sign(numpy.diag(r))  # makes the result uniformly distributed
        if rows < cols:
            q = q.T
        return (self.scale * q).reshape(shape)


class Identity(Initializer):
    """``scale`` times the identity matrix (square 2-D arrays only).

    Example:
        >>> w = numpy.empty((2, 2), 'f'); dbr.initializers.Identity()(w); w
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """

    def __init__(self, scale=1.0, dtype=None):
        super().__init__(dtype)
        self.scale = scale

    def __call__(self, array):
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise ValueError(f'Identity: expected a square 2-D array, got shape {array.shape}')
        xp = backend.get_array_module(array)
        array[...] = xp.identity(array.shape[0], dtype=array.dtype) * array.dtype.type(self.scale)


_BY_NAME = {cls.__name__.lower(): cls for cls in (
    Normal, Uniform, LeCunNormal, LeCunUniform, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
    Orthogonal, Identity)}
_BY_NAME.update(zero=Zero, one=One, nan=NaN)
