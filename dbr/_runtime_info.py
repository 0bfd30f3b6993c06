"""``print_runtime_info()``: the versions a bug report needs (as ``chainer.print_runtime_info``)."""
import platform
import sys

import numpy


def _cupy_line():
    from dbr.backends import cuda
    cupy = cuda.cupy
    if cupy is None:
        return 'Not Available'
    if not cuda.available:
        return f'{cupy.__version__} (no CUDA device visible)'
    return f'{cupy.__version__} ({cupy.cuda.runtime.getDeviceCount()} device(s))'


def _cudnn_line():
    from dbr.backends import cudnn
    if not cudnn.available():
        return 'Not Available'
    return cudnn.format_version(cudnn.get_library().version)


def print_runtime_info(out=None):
    """Prints the platform and the versions of dbr, NumPy, CuPy and cuDNN.

    Chainer scripts call it at start-up; ChainerX and iDeep, which dbr never uses, are listed as
    not available, as Chainer lists them when they are missing.

    Args:
        out: Stream to write to; ``sys.stdout`` by default.

    Example:
        >>> dbr.print_runtime_info()  # doctest: +SKIP
        Platform: Linux-6.1-x86_64-with-glibc2.36
        dbr: 0.1.0 (the Chainer v7 API)
        ChainerX: Not Available
        NumPy: 2.4.0
        CuPy: Not Available
        cuDNN: Not Available
        iDeep: Not Available
    """
    import dbr
    out = sys.stdout if out is None else out
    out.write(f'Platform: {platform.platform()}\n'
              f'dbr: {dbr.__version__} (the Chainer v7 API)\n'
              f'ChainerX: Not Available\n'
              f'NumPy: {numpy.__version__}\n'
              f'CuPy: {_cupy_line()}\n'
              f'cuDNN: {_cudnn_line()}\n'
              f'iDeep: Not Available\n')
    out.flush()
