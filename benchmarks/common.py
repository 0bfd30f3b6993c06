"""Helpers shared by the benchmark workload scripts and the runner.

Every script must call :func:`set_single_thread` at the very top, before NumPy (or anything that
imports NumPy) is imported: BLAS libraries read their thread count once, when they are loaded.
This module therefore never imports NumPy itself.

A workload script builds its parser with :func:`make_parser`, implements
``measure(args) -> Result`` and hands both to :func:`main`. With ``--json`` it prints exactly one
line::

    {"workload": ..., "impl": ..., "metrics": {name: value}, "peak_rss_mib": ..., "loss": ...}

or, when the implementation cannot run here, ``{"workload": ..., "impl": ..., "skipped": reason}``.
Metric names end in their unit (``_us``, ``_ms``); other metrics are correctness checks.
"""

import argparse
import importlib
import json
import os
import resource
import sys
import time
from statistics import median
from typing import Callable, NamedTuple

__all__ = ['IMPLS', 'FLOOR', 'THREAD_VARS', 'Result', 'Skip', 'set_single_thread', 'median',
           'time_fn', 'peak_rss_mib', 'optional_import', 'make_parser', 'main']

IMPLS = ('numpy', 'dbr', 'torch', 'chainer')
FLOOR = 'numpy'
THREAD_VARS = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS',
               'NUMEXPR_NUM_THREADS')


class Result(NamedTuple):
    """What a workload's ``measure`` returns.

    Attributes:
        metrics: Metric name to value; timing names end in their unit.
        peak_rss_mib: Peak resident memory of the measured process, in MiB.
        loss: The workload's final loss, so implementations can be checked against each other, or
            None where the workload computes no loss.
    """

    metrics: dict
    peak_rss_mib: float
    loss: float | None


class Skip(Exception):
    """Raised by ``measure`` when an implementation cannot run on this machine."""


def set_single_thread():
    """Pins BLAS/OpenMP thread pools to one thread, for this process and its children.

    Raises:
        RuntimeError: If NumPy is already imported, since its BLAS would ignore the setting.
    """
    if 'numpy' in sys.modules:
        raise RuntimeError('set_single_thread() must run before numpy is imported')
    os.environ.update(dict.fromkeys(THREAD_VARS, '1'))


def time_fn(fn, warmup, iters):
    """Times repeated calls of a function.

    Args:
        fn: Callable taking no arguments.
        warmup: Untimed calls made first, to fill caches and allocator pools.
        iters: Timed calls.

    Returns:
        list[float]: Seconds taken by each timed call.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def peak_rss_mib(who=resource.RUSAGE_SELF):
    """Returns peak resident set size in MiB.

    Args:
        who: ``resource.RUSAGE_SELF``, or ``resource.RUSAGE_CHILDREN`` for the largest waited-for
            child process.
    """
    # ru_maxrss is in KiB on Linux but in bytes on macOS.
    scale = 2 ** 20 if sys.platform == 'darwin' else 2 ** 10
    return resource.getrusage(who).ru_maxrss / scale


def optional_import(name):
    """Imports a comparison framework, turning its absence into a :class:`Skip`.

    Args:
        name: Module name, e.g. ``'torch'`` or ``'chainer.functions'``.

    Returns:
        The imported module.

    Raises:
        Skip: If the module cannot be imported.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise Skip(f'{name} is not importable ({exc})') from exc


def make_parser(description, iters, warmup):
    """Builds the argument parser every workload script shares.

    Args:
        description: Shown by ``--help``.
        iters: Default number of timed iterations.
        warmup: Default number of untimed iterations.

    Returns:
        argparse.ArgumentParser: Parser to which a script may add its own options.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--impl', choices=IMPLS, default='dbr')
    parser.add_argument('--iters', type=int, default=iters, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=warmup, help='untimed iterations first')
    parser.add_argument('--device', choices=('cpu', 'gpu'), default='cpu')
    parser.add_argument('--json', action='store_true', help='print one line of JSON')
    return parser


def _emit(record, as_json):
    if as_json:
        print(json.dumps(record))
        return
    title = f"{record['workload']} [{record['impl']}]"
    if 'skipped' in record:
        print(f"{title}: skipped ({record['skipped']})")
        return
    print(title)
    for name, value in record['metrics'].items():
        print(f'  {name:<16} {value:.6g}')
    if record['loss'] is not None:
        print(f"  {'loss':<16} {record['loss']:.6g}")
    print(f"  {'peak_rss_mib':<16} {record['peak_rss_mib']:.1f}")


def main(workload, parser, measure: Callable[[argparse.Namespace], Result]):
    """Parses arguments, runs a workload and prints its result.

    Args:
        workload: Name reported in the result, matching the script's file name.
        parser: Parser from :func:`make_parser`, possibly extended.
        measure: Runs the workload for ``args.impl`` and returns a :class:`Result`; raises
            :class:`Skip` when the implementation cannot run here.
    """
    args = parser.parse_args()
    try:
        result = measure(args)
    except Skip as exc:
        _emit({'workload': workload, 'impl': args.impl, 'skipped': str(exc)}, args.json)
        return
    _emit({'workload': workload, 'impl': args.impl, **result._asdict()}, args.json)
