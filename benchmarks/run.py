"""Runs benchmark workloads in separate processes and prints one markdown table.

Each (workload, implementation) pair runs ``--repeat`` times, each time in a fresh process, with
implementations interleaved (A B C A B C ...) so that drift in machine load spreads over all of
them. A cell is the median over those processes; the ratio columns divide by the hand-written
NumPy floor (by PyTorch with ``--device gpu``, where the floor does not run). To add a workload,
write ``benchmarks/<name>.py`` on top of ``common.py`` and add ``<name>`` to ``WORKLOADS``.

Usage:
    python benchmarks/run.py --repeat 3
    python benchmarks/run.py --device gpu --impls dbr,torch --repeat 3
    python benchmarks/run.py --python chainer=/venv/bin/python --python torch=/venv/bin/python
"""

import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys

from common import FLOOR, IMPLS, median, set_single_thread

set_single_thread()

WORKLOADS = ('overhead', 'import_time', 'mlp', 'lstm', 'convnet')
# Workloads that run a script with extra options, and are only run when asked for or (those in
# GPU_DEFAULT) by default on a GPU: mlp_large is an hour per process on one CPU core.
VARIANTS = {'mlp_large': ('mlp', ['--units', '4096', '--batch', '4096'])}
GPU_DEFAULT = ('mlp', 'mlp_large', 'lstm', 'convnet')
# On a GPU the NumPy floor does not run; the ratio columns divide by PyTorch instead.
GPU_REFERENCE = 'torch'

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
SKIPPED = '—'
ERROR = 'error'
RSS = 'peak RSS (MiB)'

# Run in each interpreter used, so the header names the NumPy/BLAS that was actually measured.
_ENV_PROBE = """
import json, platform, numpy
try:
    blas = numpy.show_config(mode='dicts')['Build Dependencies']['blas']
    blas = f"{blas['name']} {blas.get('version', '')}".strip()
except (TypeError, KeyError):  # NumPy < 1.25 has no mode='dicts'.
    blas = 'unknown'
print(json.dumps({'python': platform.python_version(), 'numpy': numpy.__version__, 'blas': blas}))
"""


def parse_args():
    """Parses the command line: workload and impl lists, and an impl-to-interpreter map."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    known = WORKLOADS + tuple(VARIANTS)
    parser.add_argument('--workloads',
                        help=f'comma-separated subset of {",".join(known)} (default: '
                             f'{",".join(WORKLOADS)}; on --device gpu: {",".join(GPU_DEFAULT)})')
    parser.add_argument('--impls', default=','.join(IMPLS),
                        help=f'comma-separated subset of {",".join(IMPLS)}')
    parser.add_argument('--repeat', type=int, default=3, help='processes per (workload, impl)')
    parser.add_argument('--iters', type=int, help="passed to every script (default: the script's)")
    parser.add_argument('--device', choices=('cpu', 'gpu'), default='cpu')
    parser.add_argument('--python', action='append', default=[], metavar='IMPL=PATH',
                        help='interpreter for one implementation, e.g. a separate virtualenv '
                             'holding Chainer (repeatable; default: this interpreter)')
    args = parser.parse_args()
    if args.workloads is None:
        args.workloads = ','.join(GPU_DEFAULT if args.device == 'gpu' else WORKLOADS)
    args.workloads = _split(parser, args.workloads, known)
    args.impls = _split(parser, args.impls, IMPLS)
    pythons = dict(item.split('=', 1) for item in args.python if '=' in item)
    if len(pythons) != len(args.python) or not set(pythons) <= set(IMPLS):
        parser.error(f'--python takes IMPL=PATH with IMPL in {",".join(IMPLS)}')
    args.python = {impl: pythons.get(impl, sys.executable) for impl in args.impls}
    return args


def _split(parser, value, known):
    names = [name for name in value.split(',') if name]
    unknown = sorted(set(names) - set(known))
    if unknown:
        parser.error(f'unknown: {",".join(unknown)} (known: {",".join(known)})')
    return names


def run_one(python, workload, impl, args):
    """Runs one workload script once in a fresh process.

    Args:
        python: Interpreter to run it with.
        workload: Script name without ``.py``.
        impl: Implementation to measure.
        args: Parsed runner arguments (``iters`` and ``device`` are passed on).

    Returns:
        dict | None: The script's JSON record, or None if it failed (its stderr is shown).
    """
    script, extra = VARIANTS.get(workload, (workload, []))
    cmd = [python, str(HERE / f'{script}.py'), '--impl', impl, '--device', args.device,
           '--json', *extra]
    if args.iters is not None:
        cmd += ['--iters', str(args.iters)]
    # The local checkout's dbr wins over any installed copy.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO), os.environ.get('PYTHONPATH')])))
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        print(f'{workload} [{impl}] failed with exit code {proc.returncode}', file=sys.stderr)
        return None
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(f'{workload} [{impl}] printed more than one JSON line:\n{proc.stdout}',
              file=sys.stderr)
        return None


def collect(args):
    """Runs every (workload, impl) ``args.repeat`` times, interleaving implementations.

    Returns:
        dict: ``(workload, impl)`` to the list of records (None for failed runs).
    """
    runs = {(w, i): [] for w in args.workloads for i in args.impls}
    total, done = len(runs) * args.repeat, 0
    for workload in args.workloads:
        for _ in range(args.repeat):
            for impl in args.impls:
                done += 1
                print(f'[{done}/{total}] {workload} {impl}', file=sys.stderr, flush=True)
                runs[workload, impl].append(run_one(args.python[impl], workload, impl, args))
    return runs


def cell(records, pick):
    """Median over repeats of ``pick(record)``, or ERROR/SKIPPED where a run did not measure."""
    if any(r is None for r in records):
        return ERROR
    if any('skipped' in r for r in records):
        return SKIPPED
    return median(pick(r) for r in records)


def is_timing(metric):
    """Whether a metric is a cost (ratio to the floor is meaningful) rather than a check value."""
    return metric.endswith(('_us', '_ms', '_s')) or metric == RSS


def fmt(value, metric):
    """Formats a cell: timings with about three significant digits, check values with six."""
    if isinstance(value, str):
        return value
    if not is_timing(metric):
        return f'{value:.6g}'
    if abs(value) >= 100:
        return f'{value:.0f}'
    return f'{value:.1f}' if abs(value) >= 10 else f'{value:.2f}'


def ratio(value, floor, metric):
    """Formats ``value / floor`` for a cost metric; a missing side shows as its marker."""
    if not is_timing(metric):
        return ''
    for side in (value, floor):
        if isinstance(side, str):
            return side
    return f'{value / floor:.2f}x' if floor > 0 else ''


def table_rows(workload, impls, runs):
    """Yields ``(metric, {impl: value})`` rows for one workload: metrics, loss, peak RSS."""
    measured = [r for i in impls for r in runs[workload, i] if r and 'skipped' not in r]
    metrics = list(dict.fromkeys(m for r in measured for m in r['metrics']))
    for metric in metrics:
        yield metric, {i: cell(runs[workload, i], lambda r, m=metric: r['metrics'][m])
                       for i in impls}
    if any(r['loss'] is not None for r in measured):
        yield 'loss', {i: cell(runs[workload, i], lambda r: r['loss']) for i in impls}
    yield RSS, {i: cell(runs[workload, i], lambda r: r['peak_rss_mib']) for i in impls}


def header(args):
    """One line naming date, CPU and, per interpreter used, Python, NumPy and BLAS."""
    cpu = 'unknown CPU'
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    parts = [datetime.date.today().isoformat(), cpu]
    for python in dict.fromkeys(args.python.values()):
        probe = subprocess.run([python, '-c', _ENV_PROBE], stdout=subprocess.PIPE, text=True)
        users = ','.join(i for i, p in args.python.items() if p == python)
        if probe.returncode != 0:
            parts.append(f'{users}: {python} (no NumPy info)')
            continue
        info = json.loads(probe.stdout)
        parts.append(f"{users}: Python {info['python']}, NumPy {info['numpy']}, "
                     f"BLAS {info['blas']}")
    parts.append(f'{args.device}, 1 thread, median of {args.repeat} processes')
    return ' · '.join(parts)


def render(args, runs):
    """Builds the markdown report: header, table, and the reasons for skipped cells."""
    impls = args.impls
    floor = GPU_REFERENCE if args.device == 'gpu' else FLOOR
    others = [i for i in impls if i != floor] if floor in impls else []
    lines = [header(args), '',
             '| ' + ' | '.join(['workload', 'metric', *impls, *(f'{i}/{floor}' for i in others)])
             + ' |',
             '|' + '---|' * (2 + len(impls) + len(others))]
    for workload in args.workloads:
        for metric, values in table_rows(workload, impls, runs):
            ratios = [ratio(values[i], values[floor], metric) for i in others]
            cells = [fmt(values[i], metric) for i in impls]
            lines.append('| ' + ' | '.join([workload, metric, *cells, *ratios]) + ' |')
    skips = {(w, i): r['skipped'] for (w, i), records in runs.items()
             for r in records if r and 'skipped' in r}
    if skips:
        lines.append('')
        lines += [f'- {w} [{i}] skipped: {reason}' for (w, i), reason in skips.items()]
    return '\n'.join(lines)


def main():
    """Runs the requested workloads and prints the table; exits 1 if any run failed."""
    args = parse_args()
    runs = collect(args)
    print(render(args, runs))
    if any(r is None for records in runs.values() for r in records):
        sys.exit(1)


if __name__ == '__main__':
    main()
