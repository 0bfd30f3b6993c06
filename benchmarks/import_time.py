"""Import time: how long ``import <framework>`` takes in a fresh interpreter.

Each iteration starts a new Python process that times only its import statement, so interpreter
start-up is excluded. The "numpy" implementation (``import numpy``) is the floor, since every
framework here imports NumPy. ``--device`` is accepted for uniformity and ignored: importing never
touches a device.

Metrics:
    import_ms: median import time over the timed iterations.
``peak_rss_mib`` is that of the largest child process, i.e. the memory the import costs.
"""

import importlib.util
import resource
import subprocess
import sys

from common import Result, Skip, make_parser, main, median, peak_rss_mib, set_single_thread

set_single_thread()

_CHILD = 'import time; t = time.perf_counter(); import {}; print(time.perf_counter() - t)'


def import_seconds(module):
    """Imports a module in a fresh interpreter and returns the seconds the import took.

    Raises:
        subprocess.CalledProcessError: If the child fails, e.g. the import raises.
    """
    # The child's stderr is left attached so that a failing import shows its traceback.
    proc = subprocess.run([sys.executable, '-c', _CHILD.format(module)], stdout=subprocess.PIPE,
                          text=True, check=True)
    return float(proc.stdout.split()[-1])


def measure(args):
    """Times ``import args.impl`` in fresh interpreters.

    Args:
        args: Parsed command line.

    Returns:
        Result: ``import_ms``, no loss.

    Raises:
        Skip: If a comparison framework is not installed (dbr itself must be importable).
    """
    if args.impl != 'dbr' and importlib.util.find_spec(args.impl) is None:
        raise Skip(f'{args.impl} is not installed')
    for _ in range(args.warmup):
        import_seconds(args.impl)
    seconds = [import_seconds(args.impl) for _ in range(args.iters)]
    return Result({'import_ms': median(seconds) * 1e3}, peak_rss_mib(resource.RUSAGE_CHILDREN),
                  None)


if __name__ == '__main__':
    main('import_time', make_parser(__doc__.splitlines()[0], iters=10, warmup=1), measure)
