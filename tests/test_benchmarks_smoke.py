"""Smoke tests for benchmarks/: the scripts run, print one JSON line, and NumPy and dbr agree."""

import functools
import json
import math
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=None)
def run_script(script, impl, *extra):
    """Runs ``benchmarks/<script>`` with ``--json`` and returns its parsed record.

    Cached so that the agreement test reuses the smoke tests' runs.
    """
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, f'benchmarks/{script}', '--impl', impl, '--json', *extra],
        cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def overhead(impl):
    return run_script('overhead.py', impl, '--iters', '2', '--warmup', '1')


def assert_measured(record, workload, impl):
    assert record['workload'] == workload
    assert record['impl'] == impl
    assert record['metrics']
    # Includes overhead's grad_sum: every local derivative in its op chain is positive.
    for name, value in record['metrics'].items():
        assert math.isfinite(value) and value > 0, (name, value)
    assert math.isfinite(record['peak_rss_mib']) and record['peak_rss_mib'] > 0


def test_overhead_numpy():
    record = overhead('numpy')
    assert_measured(record, 'overhead', 'numpy')
    assert math.isfinite(record['loss'])


def test_overhead_dbr():
    record = overhead('dbr')
    assert_measured(record, 'overhead', 'dbr')
    assert math.isfinite(record['loss'])


def test_import_time_dbr():
    record = run_script('import_time.py', 'dbr', '--iters', '1')
    assert_measured(record, 'import_time', 'dbr')
    assert record['loss'] is None


def test_overhead_dbr_matches_numpy():
    floor, dbr = overhead('numpy'), overhead('dbr')
    assert math.isclose(dbr['loss'], floor['loss'], rel_tol=1e-4)
    assert math.isclose(dbr['metrics']['grad_sum'], floor['metrics']['grad_sum'], rel_tol=1e-4)


TRAINING = ('mlp', 'lstm', 'convnet')


def training(workload, impl):
    return run_script(f'{workload}.py', impl, '--iters', '2', '--warmup', '1')


@pytest.mark.parametrize('impl', ['numpy', 'dbr'])
@pytest.mark.parametrize('workload', TRAINING)
def test_training_runs(workload, impl):
    record = training(workload, impl)
    assert_measured(record, workload, impl)
    assert record['loss'] > 0 and math.isfinite(record['loss'])


@pytest.mark.parametrize('workload', TRAINING)
def test_training_dbr_matches_numpy(workload):
    # Same initial weights, data and arithmetic, so only float32 rounding separates them.
    floor, dbr = training(workload, 'numpy'), training(workload, 'dbr')
    assert math.isclose(dbr['loss'], floor['loss'], rel_tol=1e-3)


@pytest.mark.parametrize('workload', TRAINING)
def test_training_floor_skips_gpu(workload):
    record = run_script(f'{workload}.py', 'numpy', '--device', 'gpu')
    assert record == {'workload': workload, 'impl': 'numpy',
                      'skipped': 'the NumPy floor runs on the CPU only'}
