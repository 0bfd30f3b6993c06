"""A CPU stand-in for CuPy's kernel classes, so fused-kernel code paths can be tested without a GPU.

:class:`FakeCupy` offers ``ElementwiseKernel`` and ``ReductionKernel`` taking CuPy's arguments.
Defining one checks the definition (parameter syntax, no parameter named ``i``, every identifier
in the code declared somewhere); calling one with NumPy arrays applies CuPy's calling rules
(number of arguments, type placeholders decided by arrays only, broadcasting, output shapes and
dtypes, no overlap between inputs and outputs) and then runs the CUDA C body compiled as C++ by
g++, one loop iteration per element, with CuPy's variable declarations around it (``const T &x``
for array inputs, ``T &y`` for outputs, ``CArray`` for ``raw`` ones, ``i`` and ``_ind.size()``).
float16 follows CuPy's ``float16`` class: arithmetic converts to float, assignment rounds.

Compiled libraries are cached on disk by source hash, so only new kernels cost a compile.
"""
import ctypes
import hashlib
import os
import re
import subprocess
import tempfile

import numpy

_CTYPES = {
    'bool': 'bool', 'int8': 'signed char', 'int16': 'short', 'int32': 'int',
    'int64': 'long long', 'uint8': 'unsigned char', 'uint16': 'unsigned short',
    'uint32': 'unsigned int', 'uint64': 'unsigned long long', 'float16': 'float16',
    'float32': 'float', 'float64': 'double',
}

_PRELUDE = r'''
#include <cmath>
#include <cstddef>
#include <algorithm>
using namespace std;
#define __device__
#define __host__
#define __forceinline__ inline

struct float16 {
  _Float16 v;
  float16() {}
  float16(float f) : v((_Float16)f) {}
  explicit float16(bool b) : v((_Float16)(float)b) {}
  explicit float16(double d) : v((_Float16)(float)d) {}
  explicit float16(int n) : v((_Float16)(float)n) {}
  explicit float16(unsigned int n) : v((_Float16)(float)n) {}
  explicit float16(long long n) : v((_Float16)(float)n) {}
  explicit float16(unsigned long long n) : v((_Float16)(float)n) {}
  operator float() const { return (float)v; }
  float16& operator=(const float16&) = default;
  template <typename X> float16& operator=(const X& r) {
    *this = static_cast<float16>(r);
    return *this;
  }
  template <typename X> float16& operator+=(const X& r) { *this = *this + r; return *this; }
  template <typename X> float16& operator-=(const X& r) { *this = *this - r; return *this; }
  template <typename X> float16& operator*=(const X& r) { *this = *this * r; return *this; }
  template <typename X> float16& operator/=(const X& r) { *this = *this / r; return *this; }
};
inline float16 min(float16 x, float16 y) { return float16(std::min(float(x), float(y))); }
inline float16 max(float16 x, float16 y) { return float16(std::max(float(x), float(y))); }
inline float16 fmin(float16 x, float16 y) { return float16(std::fmin(float(x), float(y))); }
inline float16 fmax(float16 x, float16 y) { return float16(std::fmax(float(x), float(y))); }
inline float rsqrt(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }

template <typename V> struct CArray {
  V* p; ptrdiff_t n;
  V& operator[](ptrdiff_t k) { return p[k]; }
  const V& operator[](ptrdiff_t k) const { return p[k]; }
  ptrdiff_t size() const { return n; }
};
struct CIndexer { ptrdiff_t n; ptrdiff_t size() const { return n; } };
'''

# What a kernel body may use without declaring it: C++ words, CUDA math, CuPy's names.
_KNOWN = set('''
auto bool break case char const continue default do double else false float for if inline int
long return short signed sizeof static static_cast switch template true typedef typename
unsigned void volatile while __device__ __host__ __forceinline__
ptrdiff_t size_t size float16 i _ind _in_ind _out_ind a b
abs fabs sqrt rsqrt exp expm1 log log1p tanh sinh cosh sin cos tan pow min max fmin fmax fma
floor ceil copysign isnan isinf signbit erf erfc
'''.split())


class Param:
    """One entry of an in/out parameter list, parsed as CuPy parses it."""

    def __init__(self, text, is_const):
        words = text.split()
        if len(words) < 2:
            raise SyntaxError(f'bad parameter {text!r}')
        self.type, self.name = words[-2:]
        self.raw = False
        self.is_const = is_const
        for w in words[:-2]:
            if w == 'raw':
                self.raw = True
            elif w == '_non_const':
                self.is_const = False
            else:
                raise SyntaxError(f'unknown keyword {w!r} in {text!r}')
        if not re.fullmatch(r'[A-Za-z_]\w*', self.name):
            raise SyntaxError(f'bad parameter name {self.name!r}')
        self.dtype = None if len(self.type) == 1 else numpy.dtype(self.type)


def parse_params(text, is_const):
    return tuple(Param(p, is_const) for p in text.split(',')) if text.strip() else ()


def _strip(code):
    code = re.sub(r'//[^\n]*', ' ', code)
    code = re.sub(r'/\*.*?\*/', ' ', code, flags=re.S)
    return re.sub(r'"(\\.|[^"\\])*"', ' ', code)


def declared_names(code):
    """Names a C body declares: typedefs, and variables after a type (``T x``, ``S &y``)."""
    code = _strip(code)
    names = set(re.findall(r'\btypedef\s+[\w\s:<>]+?\b(\w+)\s*;', code))
    types = r'(?:\b[A-Z]\b|float16|float|double|int|long long|long|bool|ptrdiff_t|size_t|auto)'
    for m in re.finditer(rf'{types}\s*[&*]?\s*([A-Za-z_]\w*)\s*(?=[=;,)\[])', code):
        names.add(m.group(1))
    names |= set(re.findall(r'#define\s+(\w+)', code))
    names |= set(re.findall(r'\b(?:typename|class)\s+(\w+)', code))
    names |= set(re.findall(r'__device__\s+(?:inline\s+)?[\w:<>]+\s+(\w+)\s*\(', code))
    return names


def undeclared(code, params, extra=()):
    """Identifiers in ``code`` that are neither declared, parameters nor known builtins."""
    known = _KNOWN | {p.name for p in params} | {p.type for p in params} | declared_names(code)
    known |= set(extra)
    used = set(re.findall(r'(?<![\w.])([A-Za-z_]\w*)', _strip(code)))
    # numeric suffixes such as 1.0f are split off as "f"
    used.discard('f')
    return sorted(used - known)


class _Compiler:
    """Compiles C++ sources to shared libraries with g++, cached on disk by hash."""

    def __init__(self):
        self.dir = os.path.join(tempfile.gettempdir(), f'dbr-kernel-emulator-{os.getuid()}')
        os.makedirs(self.dir, exist_ok=True)
        self._libs = {}

    def load(self, source):
        key = hashlib.sha1(source.encode()).hexdigest()
        lib = self._libs.get(key)
        if lib is None:
            path = os.path.join(self.dir, key + '.so')
            if not os.path.exists(path):
                src = os.path.join(self.dir, key + '.cpp')
                with open(src, 'w') as f:
                    f.write(source)
                tmp = f'{path}.{os.getpid()}'
                try:
                    proc = subprocess.run(
                        ['g++', '-std=c++17', '-O0', '-shared', '-fPIC', '-w', '-o', tmp, src],
                        capture_output=True, text=True)
                except FileNotFoundError:
                    raise RuntimeError('tests/kernels: the GPU kernel bodies are checked by '
                                       'compiling them with the host g++ (12 or newer), which '
                                       'is not installed (e.g. apt-get install g++)') from None
                if proc.returncode != 0:
                    raise CompileError(f'{proc.stderr}\n--- source ---\n{source}')
                os.replace(tmp, path)
            lib = self._libs[key] = ctypes.CDLL(path)
        return lib


class CompileError(Exception):
    """g++ rejected a kernel body (what NVRTC would reject too, in all likelihood)."""


_compiler = None


def _compile(source):
    global _compiler
    if _compiler is None:
        _compiler = _Compiler()
    return _compiler.load(source)


def _typedefs(type_dict):
    return ''.join(f'typedef {_CTYPES[numpy.dtype(t).name]} {k};\n'
                   for k, t in sorted(type_dict.items()))


def _decide_types(name, in_params, out_params, in_args, out_args):
    """CuPy's rule: placeholders are set by output arrays, then input arrays; never by scalars."""
    types = {}

    def bind(p, a):
        if p.dtype is not None:
            if a.dtype != p.dtype:
                raise TypeError(f'{name}: type mismatch for {p.name}: {a.dtype} vs {p.dtype}')
        elif p.type in types:
            if types[p.type] != a.dtype:
                raise TypeError(f'{name}: type mismatch for {p.name}: {a.dtype} vs '
                                f'{p.type}={types[p.type]}')
        else:
            types[p.type] = a.dtype

    for p, a in zip(out_params, out_args):
        if not isinstance(a, numpy.ndarray):
            raise TypeError(f'{name}: output arguments must be arrays ({p.name})')
        bind(p, a)
    for p, a in zip(in_params, in_args):
        if isinstance(a, numpy.ndarray):
            bind(p, a)
    for p in in_params + out_params:
        if p.dtype is None and p.type not in types:
            raise TypeError(f'{name}: type placeholder {p.type} of {p.name} is decided by no '
                            f'array argument (CuPy raises KeyError)')
    return types


def _dtype_of(p, types):
    return p.dtype if p.dtype is not None else numpy.dtype(types[p.type])


def _check_no_overlap(name, params, args, out_start):
    """CuPy's kernels read and write in place: an input sharing memory with an output races."""
    for j in range(out_start, len(args)):
        for k, (p, a) in enumerate(zip(params, args)):
            if k != j and isinstance(a, numpy.ndarray) and numpy.shares_memory(a, args[j]):
                raise ValueError(f'{name}: arguments {p.name} and {params[j].name} overlap in '
                                 f'memory; a CUDA kernel would race on them')


class _Buffers:
    """Contiguous copies of the arguments handed to the compiled loop, written back afterwards."""

    def __init__(self):
        self.arrays = []
        self.writeback = []

    def add(self, array, target=None):
        self.arrays.append(array)
        if target is not None and array is not target:
            self.writeback.append((target, array))
        return array

    def pointers(self):
        ptrs = (ctypes.c_void_p * len(self.arrays))()
        for k, a in enumerate(self.arrays):
            ptrs[k] = a.ctypes.data
        return ptrs

    def finish(self):
        for target, array in self.writeback:
            target[...] = array.reshape(target.shape)


def _contiguous(a):
    return a if a.flags.c_contiguous and a.flags.aligned else numpy.ascontiguousarray(a)


class ElementwiseKernel:
    """CuPy's ``ElementwiseKernel`` contract, run on the CPU."""

    def __init__(self, in_params, out_params, operation, name='kernel', reduce_dims=True,
                 preamble='', no_return=False, return_tuple=False, **kwargs):
        if not re.fullmatch(r'[A-Za-z_]\w*', name):
            raise ValueError(f'invalid kernel name {name!r}')
        self.in_params = parse_params(in_params, True)
        self.out_params = parse_params(out_params, False)
        self.params = self.in_params + self.out_params
        if 'i' in [p.name for p in self.params]:
            raise ValueError("Can not use 'i' as a parameter name")
        self.operation = operation
        self.name = name
        self.preamble = preamble
        self.no_return = no_return
        self.return_tuple = return_tuple
        missing = undeclared(operation + '\n' + preamble, self.params)
        if missing:
            raise NameError(f'{name}: undeclared names in the kernel body: {missing}')
        self.calls = []

    def __call__(self, *args, size=None, **kwargs):
        if kwargs.pop('block_size', None) is not None or kwargs:
            raise TypeError(f'{self.name}: unexpected keyword arguments {sorted(kwargs)}')
        nin, nout = len(self.in_params), len(self.out_params)
        if len(args) not in (nin, nin + nout):
            raise TypeError(f'Wrong number of arguments for {self.name!r}. It must be either '
                            f'{nin} or {nin + nout} (with outputs), but given {len(args)}.')
        args = list(args)
        for a in args:
            if isinstance(a, numpy.ndarray) or isinstance(a, (bool, int, float, numpy.generic)):
                continue
            raise TypeError(f'{self.name}: argument of type {type(a).__name__}')
        in_args, out_args = args[:nin], args[nin:]
        nonraw = [a for p, a in zip(self.params, args)
                  if not p.raw and isinstance(a, numpy.ndarray)]
        if size is not None:
            if nonraw:
                raise ValueError("Specified 'size' can be used only if all of the ndarray "
                                 "are 'raw'.")
            shape = (int(size),)
        else:
            if not nonraw:
                raise ValueError('Loop size is undecided.')
            shape = numpy.broadcast_shapes(*[a.shape for a in nonraw])
        types = _decide_types(self.name, self.in_params, self.out_params, in_args, out_args)
        if not out_args:
            if size is None and any(p.raw for p in self.out_params):
                raise ValueError('Output array size is Undecided')
            out_args = [numpy.empty(shape, _dtype_of(p, types)) for p in self.out_params]
        else:
            for p, a in zip(self.out_params, out_args):
                if not p.raw and a.shape != shape:
                    raise ValueError(f'{self.name}: out shape is mismatched for {p.name}: '
                                     f'{a.shape} vs {shape}')
        all_args = in_args + out_args
        _check_no_overlap(self.name, self.params, all_args, nin)
        self.calls.append(tuple(all_args))
        if self.no_return:
            ret = None
        elif nout == 1 and not self.return_tuple:
            ret = out_args[0]
        else:
            ret = tuple(out_args)
        n = int(numpy.prod(shape))
        if n == 0:
            return ret
        self._run(types, all_args, shape, n, nin)
        return ret

    def _run(self, types, args, shape, n, nin):
        buffers = _Buffers()
        sizes = numpy.zeros(len(args), numpy.int64)
        lines_outside, lines_inside = [], []
        kinds = []
        for k, (p, a) in enumerate(zip(self.params, args)):
            dtype = _dtype_of(p, types)
            ctype = _CTYPES[dtype.name]
            is_out = k >= nin
            const = 'const ' if not is_out else ''
            if not isinstance(a, numpy.ndarray):
                buffers.add(numpy.array([a], dtype))
                lines_outside.append(f'const {ctype} {p.name} = *(const {ctype}*)_args[{k}];')
                kinds.append('s')
            elif p.raw:
                buf = buffers.add(_contiguous(a), a if is_out else None)
                sizes[k] = buf.size
                lines_outside.append(
                    f'{const}CArray<{ctype}> {p.name}{{({ctype}*)_args[{k}], _sz[{k}]}};')
                kinds.append('r')
            else:
                if is_out:
                    buf = buffers.add(_contiguous(a), a)
                else:
                    buf = buffers.add(numpy.ascontiguousarray(numpy.broadcast_to(a, shape)))
                lines_inside.append(f'{const}{ctype} &{p.name} = (({ctype}*)_args[{k}])[i];')
                kinds.append('a')
        source = (_PRELUDE + _typedefs(types) + self.preamble + '\n'
                  + 'extern "C" void run(void** _args, ptrdiff_t _n, const long long* _sz) {\n'
                  + '  CIndexer _ind{_n};\n  '
                  + '\n  '.join(lines_outside)
                  + '\n  for (ptrdiff_t i = 0; i < _n; ++i) {\n    '
                  + '\n    '.join(lines_inside)
                  + '\n    ' + self.operation + ';\n  }\n}\n')
        lib = _compile(source)
        lib.run(buffers.pointers(), ctypes.c_ssize_t(n),
                sizes.ctypes.data_as(ctypes.POINTER(ctypes.c_longlong)))
        buffers.finish()


class ReductionKernel:
    """CuPy's ``ReductionKernel`` contract, run on the CPU (sequential reduction order)."""

    def __init__(self, in_params, out_params, map_expr, reduce_expr, post_map_expr, identity,
                 name='reduce_kernel', reduce_type=None, reduce_dims=True, preamble='',
                 options=()):
        if not re.fullmatch(r'[A-Za-z_]\w*', name):
            raise ValueError(f'invalid kernel name {name!r}')
        self.in_params = parse_params(in_params, True)
        self.out_params = parse_params(out_params, False)
        self.params = self.in_params + self.out_params
        if any(p.raw for p in self.params):
            raise NotImplementedError('raw parameters in reductions are not emulated')
        if reduce_type is None:
            raise NotImplementedError('give reduce_type explicitly')
        self.map_expr = map_expr
        self.reduce_expr = reduce_expr
        self.post_map_expr = post_map_expr
        self.identity = identity
        self.name = name
        self.reduce_type = reduce_type
        self.preamble = preamble
        for part, code in (('map_expr', map_expr), ('reduce_expr', reduce_expr),
                           ('post_map_expr', post_map_expr), ('identity', identity),
                           ('preamble', preamble)):
            missing = undeclared(code, self.params, declared_names(preamble) | {'_type_reduce'})
            if missing:
                raise NameError(f'{name}: undeclared names in {part}: {missing}')
        self.calls = []

    def __call__(self, *args, axis=None, keepdims=False, out=None, stream=None):
        nin, nout = len(self.in_params), len(self.out_params)
        if len(args) not in (nin, nin + nout):
            raise TypeError(f'Wrong number of arguments for {self.name!r}. It must be either '
                            f'{nin} or {nin + nout} (with outputs), but given {len(args)}.')
        args = list(args)
        in_args, out_args = args[:nin], args[nin:]
        if out is not None:
            if out_args:
                raise ValueError(f'{self.name}: out given twice')
            out_args = [out]
        arrays = [a for a in in_args if isinstance(a, numpy.ndarray)]
        if not arrays:
            raise ValueError(f'{self.name}: no array input')
        shape = numpy.broadcast_shapes(*[a.shape for a in arrays])
        ndim = len(shape)
        if axis is None:
            axes = tuple(range(ndim))
        else:
            axes = tuple(sorted(ax % ndim for ax in ((axis,) if numpy.isscalar(axis) else axis)))
        kept = tuple(ax for ax in range(ndim) if ax not in axes)
        out_shape = tuple(1 if ax in axes else shape[ax] for ax in range(ndim)) if keepdims \
            else tuple(shape[ax] for ax in kept)
        types = _decide_types(self.name, self.in_params, self.out_params, in_args, out_args)
        if not out_args:
            out_args = [numpy.empty(out_shape, _dtype_of(p, types)) for p in self.out_params]
        for p, a in zip(self.out_params, out_args):
            if a.shape != out_shape:
                raise ValueError(f'{self.name}: out shape is mismatched for {p.name}: '
                                 f'{a.shape} vs {out_shape}')
        _check_no_overlap(self.name, self.params, in_args + out_args, nin)
        self.calls.append(tuple(in_args + out_args))
        ret = out_args[0] if nout == 1 else tuple(out_args)
        n_out = int(numpy.prod([shape[ax] for ax in kept]))
        n_red = int(numpy.prod([shape[ax] for ax in axes]))
        if n_out == 0:
            return ret
        perm = kept + axes
        buffers = _Buffers()
        inside, outside, post = [], [], []
        for k, (p, a) in enumerate(zip(self.params, in_args + out_args)):
            ctype = _CTYPES[_dtype_of(p, types).name]
            if k < nin:
                if isinstance(a, numpy.ndarray):
                    full = numpy.broadcast_to(a, shape).transpose(perm)
                    buffers.add(numpy.ascontiguousarray(full).reshape(n_out, n_red))
                    inside.append(
                        f'const {ctype} &{p.name} = (({ctype}*)_args[{k}])[_j * _n_red + _k];')
                else:
                    buffers.add(numpy.array([a], _dtype_of(p, types)))
                    outside.append(f'const {ctype} {p.name} = *(const {ctype}*)_args[{k}];')
            else:
                buffers.add(_contiguous(a), a)
                post.append(f'{ctype} &{p.name} = (({ctype}*)_args[{k}])[_j];')
        source = (_PRELUDE + _typedefs(types) + f'typedef {self.reduce_type} _type_reduce;\n'
                  + self.preamble + '\n'
                  + f'#define REDUCE(a, b) ({self.reduce_expr})\n'
                  + f'#define POST_MAP(a) ({self.post_map_expr})\n'
                  + 'extern "C" void run(void** _args, long long _n_out, long long _n_red) {\n'
                  + '  CIndexer _in_ind{(ptrdiff_t)(_n_out * _n_red)};\n'
                  + '  CIndexer _out_ind{(ptrdiff_t)_n_out};\n  '
                  + '\n  '.join(outside)
                  + '\n  for (long long _j = 0; _j < _n_out; ++_j) {\n'
                  + f'    _type_reduce _s = _type_reduce({self.identity});\n'
                  + '    for (long long _k = 0; _k < _n_red; ++_k) {\n      '
                  + '\n      '.join(inside)
                  + f'\n      _type_reduce _a = static_cast<_type_reduce>({self.map_expr});\n'
                  + '      _s = REDUCE(_s, _a);\n    }\n    '
                  + '\n    '.join(post)
                  + '\n    _type_reduce a = _s;\n    POST_MAP(a);\n  }\n}\n')
        lib = _compile(source)
        lib.run(buffers.pointers(), ctypes.c_longlong(n_out), ctypes.c_longlong(n_red))
        buffers.finish()
        return ret


# Every kernel any FakeCupy made in this process, with its definition arguments (nvrtc_check.py
# compiles them with CuPy's real code generator).
CREATED = []


class FakeCupy:
    """The part of the ``cupy`` module that ``dbr.backends._kernels`` uses, recording kernels."""

    def __init__(self):
        self.kernels = []

    def _make(self, cls, args, kwargs):
        k = cls(*args, **kwargs)
        k.definition = (cls.__name__, args, kwargs)
        self.kernels.append(k)
        CREATED.append(k)
        return k

    def ElementwiseKernel(self, *args, **kwargs):
        return self._make(ElementwiseKernel, args, kwargs)

    def ReductionKernel(self, *args, **kwargs):
        return self._make(ReductionKernel, args, kwargs)
