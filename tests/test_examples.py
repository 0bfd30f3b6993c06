import os
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_autograd_logistic_example_learns():
    out = subprocess.run(
        [sys.executable, 'examples/autograd/train_logistic.py', '--steps', '30'],
        cwd=REPO, env={**os.environ, 'PYTHONPATH': str(REPO)}, capture_output=True, text=True,
        timeout=120)
    assert out.returncode == 0, out.stderr
    losses = [float(v) for v in re.findall(r'train loss ([0-9.]+)', out.stdout)]
    assert losses[-1] < losses[0]
    test_acc = float(re.search(r'test accuracy\s+([0-9.]+)', out.stdout).group(1))
    assert test_acc > 0.9
