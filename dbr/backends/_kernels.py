"""Fused CuPy kernels for the GPU paths, defined at import and built on first use.

A definition (:class:`Elementwise`, :class:`Reduction`) is a plain Python object holding CUDA C
source; nothing here imports CuPy. ``definition.get(dtype)`` creates the CuPy kernel object the
first time a GPU path asks for it and caches it per ``dtype``; CuPy compiles it (NVRTC, cached on
disk) at its first call. So ``import dbr`` needs no CuPy and compiles nothing.

Sources may name the type ``S``, the precision the arithmetic runs in: float32 for float16 data
and the data's own type otherwise. In parameter lists a parameter of type ``S`` becomes one of
that dtype (so scalars such as a learning rate keep float32 precision for float16 parameters);
in code ``S`` is a typedef. CuPy's own single-letter type placeholders (``T``) work as usual.
"""
import numpy

_float16 = numpy.dtype(numpy.float16)
_float32 = numpy.dtype(numpy.float32)
_ctypes = {'float16': 'float16', 'float32': 'float', 'float64': 'double'}


def _cupy():
    import cupy
    return cupy


def compute_dtype(dtype):
    """The dtype ``S`` stands for: float32 for float16, else ``dtype`` itself."""
    dtype = numpy.dtype(dtype)
    return _float32 if dtype == _float16 else dtype


def _with_s(params, dtype_name):
    """``params`` with every parameter declared as type ``S`` declared as ``dtype_name``."""
    out = []
    for param in params.split(','):
        words = param.split()
        if len(words) >= 2 and words[-2] == 'S':
            words[-2] = dtype_name
        out.append(' '.join(words))
    return ', '.join(out)


class _Definition:
    """Source of one kernel; subclasses say which CuPy class builds it."""

    def __init__(self, name):
        self.name = name
        self._built = {}

    def get(self, dtype):
        """The CuPy kernel for data of ``dtype``, created on the first request."""
        kernel = self._built.get(dtype)
        if kernel is None:
            kernel = self._built[dtype] = self._build(_cupy(), compute_dtype(dtype))
        return kernel

    def _preamble(self, s):
        return f'typedef {_ctypes[s.name]} S;\n{self.preamble}'


class Elementwise(_Definition):
    """A ``cupy.ElementwiseKernel`` definition (same arguments), built lazily per dtype.

    Example:
        >>> scale = Elementwise('T x, S a', 'T y', 'y = x * a', 'dbr_scale')
        >>> y = scale.get(x.dtype)(x, 2.0)  # doctest: +SKIP
    """

    def __init__(self, in_params, out_params, operation, name, preamble=''):
        super().__init__(name)
        self.in_params = in_params
        self.out_params = out_params
        self.operation = operation
        self.preamble = preamble

    def _build(self, cupy, s):
        return cupy.ElementwiseKernel(
            _with_s(self.in_params, s.name), _with_s(self.out_params, s.name), self.operation,
            self.name, preamble=self._preamble(s))


class Reduction(_Definition):
    """A ``cupy.ReductionKernel`` definition (same arguments), built lazily per dtype.

    ``reduce_type`` may be ``'S'``.

    Example:
        >>> ssq = Reduction('T x', 'S y', 'x * x', 'a + b', 'y = a', '0', 'dbr_ssq', 'S')
        >>> y = ssq.get(x.dtype)(x, axis=0)  # doctest: +SKIP
    """

    def __init__(self, in_params, out_params, map_expr, reduce_expr, post_map_expr, identity,
                 name, reduce_type, preamble=''):
        super().__init__(name)
        self.in_params = in_params
        self.out_params = out_params
        self.map_expr = map_expr
        self.reduce_expr = reduce_expr
        self.post_map_expr = post_map_expr
        self.identity = identity
        self.reduce_type = reduce_type
        self.preamble = preamble

    def _build(self, cupy, s):
        reduce_type = _ctypes[s.name] if self.reduce_type == 'S' else self.reduce_type
        return cupy.ReductionKernel(
            _with_s(self.in_params, s.name), _with_s(self.out_params, s.name), self.map_expr,
            self.reduce_expr, self.post_map_expr, self.identity, self.name,
            reduce_type=reduce_type, preamble=self._preamble(s))
