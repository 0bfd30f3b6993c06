"""examples/ptb/train_ptb.py in its --test mode: it trains, reports perplexities, resumes."""
import json
import math
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join('examples', 'ptb', 'train_ptb.py')


def _run(*args):
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('OMP_NUM_THREADS', '1')  # many small BLAS calls: threads only contend
    proc = subprocess.run([sys.executable, SCRIPT, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _perplexities(out):
    found = dict(re.findall(r'^(validation|test) perplexity: (\S+)', out, re.M))
    assert sorted(found) == ['test', 'validation'], out[-2000:]
    return {name: float(value) for name, value in found.items()}


def _trained(out):
    match = re.search(r'^# trained (\d+) iterations \((\d+) epochs\)', out, re.M)
    assert match, out[-2000:]
    return int(match.group(1)), int(match.group(2))


def _log(folder):
    with open(os.path.join(folder, 'log')) as f:
        return json.load(f)


def test_help():
    out = _run('--help')
    for option in ('--epoch', '--batchsize', '--unit', '--dropout', '--lr', '--optimizer',
                   '--gradclip', '--device', '--out', '--test', '--seed'):
        assert option in out


def test_trains_reports_perplexity_and_resumes(tmp_path):
    folder = str(tmp_path / 'result')

    out = _run('--test', '--out', folder)
    assert '# resumed' not in out
    iterations, epochs = _trained(out)
    assert epochs == 1 and iterations > 0
    ppl = _perplexities(out)
    # A model that learnt anything beats the uniform guess over the 10,000 words.
    assert all(math.isfinite(p) and 1 < p < 10000 for p in ppl.values()), ppl
    log = _log(folder)
    assert [entry['iteration'] for entry in log][-1] == iterations
    assert log[-1]['main/loss'] < log[0]['main/loss'] - 0.1, log
    assert math.isclose(log[-1]['validation/main/perplexity'], ppl['validation'], rel_tol=1e-6)
    assert sorted(os.listdir(folder)) == ['log', f'snapshot_iter_{iterations}']

    # Same folder, one more epoch: picks the snapshot up instead of starting over.
    out2 = _run('--test', '--epoch', '2', '--out', folder)
    assert f'# resumed from the snapshot at iteration {iterations} (epoch 1)' in out2
    assert _trained(out2) == (2 * iterations, 2)
    log2 = _log(folder)
    # The first epoch's entries are the loaded ones (their elapsed times included), not redone.
    assert log2[:len(log)] == log
    steps = [entry['iteration'] for entry in log2]
    assert steps == sorted(set(steps)) and steps[-1] == 2 * iterations
    assert log2[-1]['main/loss'] < log[-1]['main/loss']
    ppl2 = _perplexities(out2)
    assert ppl2['validation'] < ppl['validation']
    # n_retains=1: only the newest snapshot is kept.
    assert sorted(os.listdir(folder)) == ['log', f'snapshot_iter_{2 * iterations}']
