"""examples/custom_loop/gan.py in --test mode: the hand-written WGAN-GP loop trains."""
import importlib.util
import math
import os
import pathlib
import re
import subprocess
import sys

import numpy

REPO = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = 'examples/custom_loop/gan.py'
ROW = re.compile(r'^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+([0-9.]+)\s+([0-9.]+)%\s+(\d+)$', re.M)


def test_gan_test_mode_trains_and_penalty_is_active(tmp_path):
    proc = subprocess.run([sys.executable, SCRIPT, '--test', '--out', str(tmp_path)], cwd=REPO,
                          env={**os.environ, 'PYTHONPATH': str(REPO), 'OMP_NUM_THREADS': '1'},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    initial = re.search(r'^\s*0\s+([0-9.]+)\s+([0-9.]+)%\s+(\d+)$', proc.stdout, re.M)
    assert initial, proc.stdout
    rows = [m.groups() for m in ROW.finditer(proc.stdout)]
    assert [int(r[0]) for r in rows] == [25, 50, 75, 100, 125, 150]
    for _, critic, gen, penalty, *_ in rows:
        assert math.isfinite(float(critic)) and math.isfinite(float(gen))
        assert float(penalty) > 0  # the double-backprop term contributes
    # Generated points move towards the ring of modes.
    assert float(rows[-1][4]) < 0.8 * float(initial.group(1))

    samples = numpy.load(tmp_path / 'samples.npz')
    assert samples['samples'].shape == (2000, 2)
    assert numpy.isfinite(samples['samples']).all()
    assert samples['modes'].shape == (8, 2)
    if importlib.util.find_spec('matplotlib') is not None:
        assert (tmp_path / 'samples.png').stat().st_size > 0
    else:
        assert 'skipped samples.png' in proc.stdout


def test_help():
    proc = subprocess.run([sys.executable, SCRIPT, '--help'], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, 'PYTHONPATH': str(REPO)}, timeout=60)
    assert proc.returncode == 0
    for option in ('--n-critic', '--lam', '--device', '--out', '--test'):
        assert option in proc.stdout
