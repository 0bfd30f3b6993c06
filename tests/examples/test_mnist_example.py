"""examples/mnist/train_mnist.py in --test mode, on small IDX files written here.

The files go under ``$DBR_DATASET_ROOT``, so the example runs through the real loader
(``dbr.datasets.get_fashion_mnist`` / ``get_mnist``) whether or not the real data is installed.
"""
import gzip
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys

import numpy
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = 'examples/mnist/train_mnist.py'
FILES = {'train': ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
         't10k': ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')}


def _write_idx(path, array):
    """A gzip IDX file of unsigned bytes: magic 0x0000080<ndim>, big-endian sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(
        int(d).to_bytes(4, 'big') for d in array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(numpy.uint8).tobytes())


def _write_dataset(folder, rng):
    """Noisy images, each class marked by a bright 6x6 square at its own place: learnable
    in a few iterations, so accuracy well above chance shows the pipeline works."""
    templates = numpy.zeros((10, 28, 28))
    for c in range(10):
        r, col = 3 + 12 * (c // 5), 1 + 5 * (c % 5)
        templates[c, r:r + 6, col:col + 6] = 200
    folder.mkdir(parents=True)
    for split, n in (('train', 1000), ('t10k', 300)):
        labels = rng.randint(0, 10, n)
        images = numpy.clip(rng.randint(0, 80, (n, 28, 28)) + templates[labels], 0, 255)
        _write_idx(folder / FILES[split][0], images)
        _write_idx(folder / FILES[split][1], labels)


@pytest.fixture(scope='module')
def dataset_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('datasets')
    rng = numpy.random.RandomState(0)
    _write_dataset(root / 'fashion-mnist', rng)
    _write_dataset(root / 'mnist', rng)
    return root


def _run(dataset_root, *args):
    env = {**os.environ, 'PYTHONPATH': str(REPO), 'DBR_DATASET_ROOT': str(dataset_root),
           'OMP_NUM_THREADS': '1'}
    proc = subprocess.run([sys.executable, SCRIPT, '--test', *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _test_accuracy(stdout):
    return float(re.search(r'^test accuracy: ([0-9.]+)$', stdout, re.M).group(1))


def _check_plots(out, stderr):
    if importlib.util.find_spec('matplotlib') is not None:
        assert (out / 'loss.png').stat().st_size > 0
        assert (out / 'accuracy.png').stat().st_size > 0
    else:
        assert "matplotlib is not installed, so 'loss.png' will not be plotted" in stderr
        assert not (out / 'loss.png').exists()


def test_help():
    proc = subprocess.run([sys.executable, SCRIPT, '--help'], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, 'PYTHONPATH': str(REPO)}, timeout=60)
    assert proc.returncode == 0
    for option in ('--dataset', '--arch', '--device', '--out', '--test'):
        assert option in proc.stdout


def test_mlp_on_fashion_learns_logs_snapshots_and_resumes(dataset_root, tmp_path):
    out = tmp_path / 'mlp'
    proc = _run(dataset_root, '--out', str(out))
    assert 'dataset: fashion  train 1000  test 300' in proc.stdout
    assert _test_accuracy(proc.stdout) > 0.5  # chance is 0.1
    log = json.loads((out / 'log').read_text())
    assert [entry['epoch'] for entry in log] == [1]
    assert 0 < log[0]['validation/main/accuracy'] <= 1
    assert log[0]['main/loss'] > 0
    assert re.search(r'^1\s+[0-9.]+\s+[0-9.]+', proc.stdout, re.M)  # PrintReport's row
    snapshots = sorted(p.name for p in out.glob('snapshot_iter_*'))
    assert snapshots == ['snapshot_iter_20']
    _check_plots(out, proc.stderr)

    # The same command again: the snapshot is loaded, training is already over, the same
    # model is evaluated.
    again = _run(dataset_root, '--out', str(out))
    assert not re.search(r'^1\s+[0-9.]+\s+[0-9.]+', again.stdout, re.M)
    assert _test_accuracy(again.stdout) == _test_accuracy(proc.stdout)
    assert [entry['epoch'] for entry in json.loads((out / 'log').read_text())] == [1]


def test_cnn_on_mnist_learns(dataset_root, tmp_path):
    out = tmp_path / 'cnn'
    proc = _run(dataset_root, '--dataset', 'mnist', '--arch', 'cnn', '--out', str(out))
    assert 'dataset: mnist  train 1000  test 300' in proc.stdout
    assert _test_accuracy(proc.stdout) > 0.3
    assert (out / 'snapshot_iter_20').is_file()
    _check_plots(out, proc.stderr)
