"""Compiles every fused kernel as CuPy would, with NVRTC, on a machine that has no GPU.

Runs ``test_kernels_emulated.py`` in this process, so that every kernel the GPU code paths build
and every argument-type combination they call it with is recorded, then generates CuPy's own CUDA
source for each combination (CuPy's code generators, not a copy of them) and compiles it with
NVRTC for ``--arch`` (default sm_90). Needs CuPy and NVRTC importable, no CUDA device::

    LD_LIBRARY_PATH=<dir holding libnvrtc.so.13> PYTHONPATH=.:<site dir with cupy> \\
        python3 tests/kernels/nvrtc_check.py

Prints one line per compiled kernel and exits non-zero when any fails to compile.
"""
import argparse
import os
import sys

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))


def _arginfo(kernel_mod, cupy, a, dtype, raw, ndim):
    from cupy._core._scalar import CScalar
    if isinstance(a, numpy.ndarray):
        return kernel_mod._ArgInfo(1, cupy.ndarray, a.dtype, a.ndim if raw else ndim,
                                   bool(a.flags.c_contiguous), True)
    return kernel_mod._ArgInfo(3, CScalar, dtype, 0, True, True)


def elementwise_code(fake, args):
    import cupy
    from cupy._core import _kernel as K
    import kernel_emulator as E
    real = cupy.ElementwiseKernel(*fake.definition[1], **fake.definition[2])
    nin = len(fake.in_params)
    types = E._decide_types(fake.name, fake.in_params, fake.out_params, list(args[:nin]),
                            list(args[nin:]))
    shapes = [a.shape for p, a in zip(fake.params, args)
              if isinstance(a, numpy.ndarray) and not p.raw]
    ndim = len(numpy.broadcast_shapes(*shapes)) if shapes else 1
    infos = tuple(_arginfo(K, cupy, a, E._dtype_of(p, types), p.raw, ndim)
                  for p, a in zip(fake.params, args))
    infos += (K._ArgInfo(2, None, None, ndim, True, True),)
    type_map = K._TypeMap(tuple(sorted((k, numpy.dtype(v)) for k, v in types.items())))
    return K._get_elementwise_kernel_code(infos, type_map, real.params, real.operation,
                                          real.name, real.preamble)


def reduction_code(fake, args):
    import cupy
    from cupy._core import _kernel as K
    from cupy._core import _reduction as R
    from cupy._core._scalar import CScalar
    import kernel_emulator as E
    real = cupy.ReductionKernel(*fake.definition[1], **fake.definition[2])
    nin = len(fake.in_params)
    types = E._decide_types(fake.name, fake.in_params, fake.out_params, list(args[:nin]),
                            list(args[nin:]))
    in_ndim = max(a.ndim for a in args[:nin] if isinstance(a, numpy.ndarray))
    out_ndim = max(1, max(a.ndim for a in args[nin:]))
    infos = tuple(_arginfo(K, cupy, a, E._dtype_of(p, types), False, in_ndim)
                  for p, a in zip(fake.in_params, args[:nin]))
    infos += tuple(_arginfo(K, cupy, a, None, False, out_ndim) for a in args[nin:])
    infos += (K._ArgInfo(2, None, None, in_ndim, True, True),
              K._ArgInfo(2, None, None, out_ndim, True, True),
              K._ArgInfo(3, CScalar, numpy.dtype(numpy.int32), 0, True, True))
    pairs = tuple(sorted((k, numpy.dtype(v)) for k, v in types.items()))
    type_map = K._TypeMap(pairs + (('IndexT', numpy.dtype(numpy.int32)),))
    return R._ReductionKernel_get_cached_function_code(
        nin, len(fake.out_params), real._params, infos, type_map, real.name, 512,
        real.reduce_type, real.identity, real.map_expr, real.reduce_expr, real.post_map_expr,
        real.preamble, ())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', default='90')
    args = parser.parse_args()
    import pytest
    sys.path.insert(0, HERE)
    tests = os.path.join(HERE, 'test_kernels_emulated.py')
    if pytest.main(['-q', '-p', 'no:cacheprovider', tests]):
        print('the emulated kernel tests failed; fix them first', file=sys.stderr)
        return 1
    import kernel_emulator as E
    import test_kernels_emulated
    from cupy._core import core
    from cupy.cuda import compiler
    # Compiling needs no device, only choosing the architecture does: fix it.
    compiler._get_arch_for_options_for_nvrtc = lambda arch=None: (f'-arch=sm_{args.arch}', 'cubin')
    header = ''.join(f'#include <{h}>\n' for h in core._cupy_header_list)
    options = core.assemble_cupy_compiler_options(()) + ('-ftz=true',)
    done, failed = {}, 0
    ours = set(test_kernels_emulated.all_definitions())   # not the tests' own probe kernels
    for fake in [k for k in E.CREATED if k.name in ours]:
        for call in fake.calls:
            if isinstance(fake, E.ReductionKernel):
                code = reduction_code(fake, call)
            else:
                code = elementwise_code(fake, call)
            if code in done:
                continue
            try:
                compiler.compile_using_nvrtc(header + code, options, arch=args.arch)
                done[code] = 'ok'
            except Exception as e:  # CompileException carries NVRTC's log
                done[code] = 'FAILED'
                failed += 1
                print(f'--- {fake.name}: {e}\n{code}', file=sys.stderr)
            types = sorted({str(a.dtype) for a in call if isinstance(a, numpy.ndarray)})
            print(f'{done[code]:6} {fake.name} ({", ".join(types)})')
    names = {f.name for f in E.CREATED if f.name in ours}
    print(f'{len(done)} sources of {len(names)} kernels compiled for sm_{args.arch}; '
          f'{failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
