"""examples/autograd/: the Taylor-series sine and logistic regression, run as scripts."""
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]


def _run(script, *args):
    proc = subprocess.run([sys.executable, f'examples/autograd/{script}', *args], cwd=REPO,
                          env={**os.environ, 'PYTHONPATH': str(REPO), 'OMP_NUM_THREADS': '1'},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _error(stdout, what):
    return float(re.search(rf'max \|{re.escape(what)}\|\s*= ([0-9.e+-]+)', stdout).group(1))


def test_taylor_sine_derivatives_match_cos_and_minus_sin(tmp_path):
    stdout = _run('taylor_sine.py', '--test', '--out', str(tmp_path))
    assert _error(stdout, 'taylor_sine(x) - sin(x)') < 1e-12
    assert _error(stdout, 'd/dx taylor_sine(x) - cos(x)') < 1e-12
    assert _error(stdout, 'd2/dx2 taylor_sine(x) + sin(x)') < 1e-12
    # The while loop runs a number of steps that depends on x.
    terms = [int(n) for n in re.findall(r'^x = [0-9.]+: (\d+) terms', stdout, re.M)]
    assert len(terms) == 2 and terms[0] < terms[1]
    if importlib.util.find_spec('matplotlib') is not None:
        assert (tmp_path / 'taylor_sine.png').stat().st_size > 0
        assert 'plot saved to' in stdout
    else:
        assert 'skipped the plot' in stdout
        assert not (tmp_path / 'taylor_sine.png').exists()


def test_logistic_regression_loss_falls():
    stdout = _run('train_logistic.py', '--test')
    losses = [float(v) for v in re.findall(r'train loss ([0-9.]+)', stdout)]
    assert len(losses) >= 3
    assert losses[-1] < 0.5 * losses[0]
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    test_acc = float(re.search(r'test accuracy\s+([0-9.]+)', stdout).group(1))
    assert test_acc > 0.9


def test_help():
    for script in ('taylor_sine.py', 'train_logistic.py'):
        assert '--device' in _run(script, '--help')
