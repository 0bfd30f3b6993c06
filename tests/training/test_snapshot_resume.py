"""Snapshots and autoload; exact resume: SIGKILL a run, restart it, compare bitwise."""
import json
import os
import random
import signal
import subprocess
import sys

import numpy
import pytest

import dbr
import dbr.links as L
from dbr import training
from dbr.serializers import load_npz, save_npz
from dbr.training import extensions

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JOB = os.path.join(HERE, 'resume_job.py')


# ----- the kill-and-resume test ------------------------------------------------------------------

def _launch(out, env_extra=(), kill_on=None):
    """Runs the job once; ``kill_on`` is a stdout line on which the test SIGKILLs it."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    for key in ('RESUME_KILL_AT', 'RESUME_KILL_IN_SNAPSHOT', 'RESUME_PAUSE_IN_SNAPSHOT',
                'RESUME_SLEEP'):
        env.pop(key, None)
    env.update(env_extra)
    proc = subprocess.Popen([sys.executable, JOB, out], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if kill_on is not None and line.strip() == kill_on:
            proc.send_signal(signal.SIGKILL)
            break
    stdout_rest, stderr = proc.communicate(timeout=60)
    lines += stdout_rest.split()
    return proc.returncode, lines, stderr


def _result(out):
    with numpy.load(os.path.join(out, 'final.npz')) as f:
        final = {k: f[k] for k in f.files}
    with numpy.load(os.path.join(out, 'best_model')) as f:
        best = {k: f[k] for k in f.files}
    with open(os.path.join(out, 'log')) as f:
        log = json.load(f)
    for entry in log:
        del entry['elapsed_time']  # the only value that depends on the wall clock
    return final, best, log


def _assert_same(result, reference):
    for got, want in zip(result[:2], reference[:2]):
        assert sorted(got) == sorted(want)
        for key in want:
            assert got[key].dtype == want[key].dtype
            assert numpy.array_equal(got[key], want[key]), key
    assert result[2] == reference[2]


def _finish(out):
    code, lines, stderr = _launch(out)
    assert code == 0, stderr
    assert lines[-1] == 'DONE'
    return stderr


def _kill_plans():
    """Launch plans (each launch must die by SIGKILL; a final launch then finishes)."""
    rs = numpy.random.RandomState(2024)  # fixed: the kill points are random but reproducible
    a, b, c = (int(v) for v in rs.choice(numpy.arange(1, 60), 3, replace=False))
    later = int(rs.randint(max(a, b) + 1, 61)) if max(a, b) < 60 else 60
    return {
        'forward': [({'RESUME_KILL_AT': str(c)}, None)],
        'forward_twice': [({'RESUME_KILL_AT': str(min(a, b))}, None),
                          ({'RESUME_KILL_AT': str(later)}, None)],
        'mid_snapshot_write': [({'RESUME_KILL_IN_SNAPSHOT': '30'}, None)],
        'mid_first_snapshot': [({'RESUME_KILL_IN_SNAPSHOT': '10'}, None)],
        'external_mid_snapshot': [({'RESUME_PAUSE_IN_SNAPSHOT': '40'}, 'PAUSED')],
        # killed from outside while running; 25+ iterations of 10 ms remain as a margin
        'external_mid_iteration': [({'RESUME_SLEEP': '0.01'}, f'ITER {min(b, 35)}')],
    }


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('reference'))
    _finish(out)
    return _result(out)


@pytest.mark.parametrize('plan', sorted(_kill_plans()))
def test_killed_and_restarted_run_is_bit_identical(tmp_path, reference, plan):
    out = str(tmp_path)
    for env, kill_on in _kill_plans()[plan]:
        code, _, stderr = _launch(out, env, kill_on)
        assert code == -signal.SIGKILL, stderr
    stderr = _finish(out)
    assert 'Warning' not in stderr
    assert not [n for n in os.listdir(out) if n.endswith('.tmp')]  # the restart cleaned up
    _assert_same(_result(out), reference)


def test_corrupt_newest_snapshot_falls_back_with_warning(tmp_path, reference):
    out = str(tmp_path)
    code, _, _ = _launch(out, {'RESUME_KILL_AT': '47'})
    assert code == -signal.SIGKILL
    newest = os.path.join(out, 'snapshot_iter_40')
    with open(newest, 'rb') as f:
        data = f.read()
    with open(newest, 'wb') as f:
        f.write(data[:len(data) // 2])
    stderr = _finish(out)
    assert 'snapshot_iter_40' in stderr and 'incomplete or corrupt' in stderr
    _assert_same(_result(out), reference)


def test_rerunning_a_finished_job_changes_nothing(tmp_path, reference):
    out = str(tmp_path)
    _finish(out)
    code, lines, _ = _launch(out)
    assert code == 0 and 'ITER' not in ' '.join(lines)  # resumed at the end: no iteration ran
    _assert_same(_result(out), reference)


# ----- in-process snapshot behaviour ---------------------------------------------------------

class _Model(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(3, 2)

    def forward(self, x, t):
        import dbr.functions as F
        h = F.dropout(self.l(x), 0.5)
        loss = F.mean_squared_error(h, t)
        dbr.report({'loss': loss}, self)
        return loss


def _trainer(out, stop=12, snapshot_kwargs=None, trigger=(4, 'iteration')):
    rs = numpy.random.RandomState(0)
    x = rs.randn(10, 3).astype(numpy.float32)
    t = rs.randn(10, 2).astype(numpy.float32)
    dataset = list(zip(x, t))
    model = _Model()
    optimizer = dbr.optimizers.Adam().setup(model)
    it = dbr.iterators.SerialIterator(dataset, 3)
    trainer = training.Trainer(training.StandardUpdater(it, optimizer), (stop, 'iteration'),
                               out=out)
    trainer.extend(extensions.LogReport(trigger=(3, 'iteration')))
    if snapshot_kwargs is not None:
        trainer.extend(extensions.snapshot(**snapshot_kwargs), trigger=trigger)
    return trainer, model


def _params(model):
    return {name: p.array.copy() for name, p in model.namedparams()}


def test_manual_resume_with_load_npz_is_bit_identical(tmp_path):
    numpy.random.seed(1)
    full, full_model = _trainer(str(tmp_path / 'full'), snapshot_kwargs={})
    full.run()
    numpy.random.seed(1)
    first, _ = _trainer(str(tmp_path / 'part'), stop=8, snapshot_kwargs={})
    first.run()
    numpy.random.seed(99)  # the snapshot restores the random state
    random.seed(99)
    resumed, resumed_model = _trainer(str(tmp_path / 'part'), snapshot_kwargs={})
    load_npz(str(tmp_path / 'part' / 'snapshot_iter_8'), resumed)
    assert resumed.updater.iteration == 8
    resumed.run()
    want, got = _params(full_model), _params(resumed_model)
    assert all(numpy.array_equal(want[k], got[k]) for k in want)
    strip = [{k: v for k, v in e.items() if k != 'elapsed_time'}
             for e in full.get_extension('LogReport').log]
    assert strip == [{k: v for k, v in e.items() if k != 'elapsed_time'}
                     for e in resumed.get_extension('LogReport').log]


def _with_late_extensions(trainer, model, calls):
    """Extensions that run after the trainer snapshot in the same iteration (same priority
    registered later, and lower priority), as in Chainer's DCGAN example."""
    trainer.extend(extensions.snapshot_object(model, 'model_iter_{.updater.iteration}'),
                   trigger=(4, 'iteration'))

    @training.make_extension(trigger=(4, 'iteration'), priority=-200)
    def late(trainer):
        calls.append(trainer.updater.iteration)
    trainer.extend(late)


def test_resume_does_not_repeat_what_ran_after_the_snapshot_in_its_iteration(tmp_path):
    full_calls, calls = [], []
    full, _ = _trainer(str(tmp_path / 'full'), snapshot_kwargs={})
    _with_late_extensions(full, full.updater.get_optimizer('main').target, full_calls)
    full.run()
    first, model = _trainer(str(tmp_path / 'part'), stop=8, snapshot_kwargs={})
    _with_late_extensions(first, model, calls)
    first.run()
    resumed, model = _trainer(str(tmp_path / 'part'), snapshot_kwargs={})
    _with_late_extensions(resumed, model, calls)
    load_npz(str(tmp_path / 'part' / 'snapshot_iter_8'), resumed)
    with numpy.load(str(tmp_path / 'part' / 'snapshot_iter_8')) as f:
        # saved after the later extensions of iteration 8 had seen it
        assert int(f['extension_triggers/late/previous_iteration']) == 8
        assert int(f['extension_triggers/snapshot_object/previous_iteration']) == 8
    resumed.run()
    assert calls == full_calls == [4, 8, 12]
    assert sorted(os.listdir(tmp_path / 'part')) == sorted(os.listdir(tmp_path / 'full'))


def test_snapshot_outside_a_running_trainer_is_written_at_once(tmp_path):
    trainer, _ = _trainer(str(tmp_path))
    os.makedirs(trainer.out, exist_ok=True)
    extensions.snapshot(filename='now')(trainer)
    assert os.path.exists(tmp_path / 'now')


def test_snapshot_restores_python_and_numpy_random_state(tmp_path):
    trainer, _ = _trainer(str(tmp_path))
    numpy.random.seed(5)
    random.seed(5)
    path = str(tmp_path / 'snap.npz')
    save_npz(path, trainer)
    want = numpy.random.random_sample(4), random.random(), numpy.random.normal()
    numpy.random.seed(6)
    random.seed(6)
    load_npz(path, trainer)
    assert numpy.array_equal(numpy.random.random_sample(4), want[0])
    assert random.random() == want[1]
    assert numpy.random.normal() == want[2]


def test_model_loads_from_a_trainer_snapshot_with_chainers_key_layout(tmp_path):
    trainer, model = _trainer(str(tmp_path), snapshot_kwargs={})
    trainer.run()
    fresh = _Model()
    load_npz(str(tmp_path / 'snapshot_iter_12'), fresh, path='updater/model:main/')
    assert numpy.array_equal(fresh.l.W.array, model.l.W.array)
    with numpy.load(str(tmp_path / 'snapshot_iter_12')) as f:
        keys = set(f.files)
    assert {'updater/iteration', 'updater/model:main/l/W', 'updater/optimizer:main/t',
            'updater/iterator:main/epoch', 'stop_trigger/previous_iteration',
            'extensions/LogReport/_log',
            'extension_triggers/snapshot/previous_iteration'} <= keys


def test_autoload_skips_a_truncated_newest_snapshot_with_a_warning(tmp_path):
    trainer, _ = _trainer(str(tmp_path), snapshot_kwargs={})
    trainer.run()
    newest = tmp_path / 'snapshot_iter_12'
    newest.write_bytes(newest.read_bytes()[:100])
    resumed, _ = _trainer(str(tmp_path), stop=8, snapshot_kwargs={'autoload': True})
    with pytest.warns(UserWarning, match="snapshot_iter_12.*incomplete or corrupt"):
        resumed.run()
    # iteration 8 was loaded (not 12), so the run stopped at once, having loaded 8's log
    assert resumed.updater.iteration == 8
    assert [e['iteration'] for e in resumed.get_extension('LogReport').log] == [3, 6]


def test_autoload_with_every_snapshot_corrupt_starts_over(tmp_path):
    (tmp_path / 'snapshot_iter_4').write_bytes(b'not a zip file')
    trainer, _ = _trainer(str(tmp_path), stop=2, snapshot_kwargs={'autoload': True})
    with pytest.warns(UserWarning, match='snapshot_iter_4'):
        trainer.run()
    assert trainer.updater.iteration == 2


def test_autoload_picks_the_newest_and_removes_temporary_files(tmp_path):
    trainer, _ = _trainer(str(tmp_path), snapshot_kwargs={})
    trainer.run()
    stale = tmp_path / '.snapshot_iter_16.abc123.tmp'
    stale.write_bytes(b'half')
    os.utime(tmp_path / 'snapshot_iter_8', ns=(1, 1))  # mtime first: 8 is now the oldest
    resumed, _ = _trainer(str(tmp_path), stop=16, snapshot_kwargs={'autoload': True})
    resumed.run()
    assert not stale.exists()
    assert resumed.updater.iteration == 16
    assert [e['iteration'] for e in resumed.get_extension('LogReport').log] == [3, 6, 9, 12, 15]


def test_autoload_without_snapshots_starts_from_scratch(tmp_path):
    trainer, _ = _trainer(str(tmp_path / 'new'), stop=4, snapshot_kwargs={'autoload': True})
    trainer.run()
    assert trainer.updater.iteration == 4
    assert os.path.exists(tmp_path / 'new' / 'snapshot_iter_4')


def test_n_retains_keeps_the_newest_files(tmp_path):
    trainer, _ = _trainer(str(tmp_path), stop=20, snapshot_kwargs={'n_retains': 2})
    trainer.run()
    assert sorted(n for n in os.listdir(tmp_path) if n.startswith('snapshot')) == [
        'snapshot_iter_16', 'snapshot_iter_20']


def test_filename_template_callable_and_condition(tmp_path):
    trainer, _ = _trainer(str(tmp_path), stop=8, snapshot_kwargs={
        'filename': 'snap_{0.updater.epoch}_{0.updater.iteration}.npz'})
    calls = []
    trainer.extend(extensions.snapshot(filename=lambda tr: f'c{tr.updater.iteration}',
                                       condition=lambda: calls.append(1) or len(calls) > 1),
                   trigger=(4, 'iteration'))
    trainer.run()
    names = set(os.listdir(tmp_path))
    assert {'snap_1_4.npz', 'snap_2_8.npz', 'c8'} <= names and 'c4' not in names


def test_snapshot_object_and_autoload_into_the_object(tmp_path):
    trainer, model = _trainer(str(tmp_path), stop=8)
    trainer.extend(extensions.snapshot_object(model, 'model_{.updater.iteration}'),
                   trigger=(4, 'iteration'))
    trainer.run()
    assert [trainer.get_extension('snapshot_object').default_name] == ['snapshot_object']
    other, other_model = _trainer(str(tmp_path), stop=1)
    other.extend(extensions.snapshot_object(other_model, 'model_{.updater.iteration}',
                                            autoload=True))
    other.run()  # loads model_8 into other_model in initialize, then trains one iteration
    saved = _Model()
    load_npz(str(tmp_path / 'model_8'), saved)
    assert numpy.array_equal(saved.l.b.array, model.l.b.array)
    assert not numpy.array_equal(other_model.l.b.array, model.l.b.array)  # it trained on


def test_custom_savefun_and_writer(tmp_path):
    saved = []
    trainer, _ = _trainer(str(tmp_path), stop=4, snapshot_kwargs={
        'savefun': lambda path, obj: (saved.append(obj), open(path, 'w').close())})
    trainer.run()
    assert saved == [trainer] and os.path.exists(tmp_path / 'snapshot_iter_4')

    writer = extensions.snapshot_writers.SimpleWriter(compression=False)
    trainer2, _ = _trainer(str(tmp_path / 'w'), stop=4, snapshot_kwargs={'writer': writer})
    trainer2.run()
    with numpy.load(str(tmp_path / 'w' / 'snapshot_iter_4')) as f:
        assert 'updater/iteration' in f.files
    with pytest.raises(TypeError, match='savefun or writer'):
        extensions.snapshot(savefun=save_npz, writer=writer)
    with pytest.raises(TypeError, match='savefun or writer'):
        extensions.snapshot_object(trainer, 'x', save_npz, writer=writer)


def test_failed_write_leaves_previous_file_and_no_temporary(tmp_path):
    def failing(path, obj):
        with open(path, 'w') as f:
            f.write('partial')
        raise OSError('disk full')

    trainer, _ = _trainer(str(tmp_path), stop=4,
                          snapshot_kwargs={'savefun': failing, 'filename': 'snap'})
    (tmp_path / 'snap').write_text('previous')
    with pytest.raises(OSError, match='disk full'):
        trainer.run(show_loop_exception_msg=False)
    assert (tmp_path / 'snap').read_text() == 'previous'
    assert not [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]


def test_snapshot_on_error(tmp_path):
    trainer, _ = _trainer(str(tmp_path), stop=10, snapshot_kwargs={
        'snapshot_on_error': True, 'filename': 'crash_{.updater.iteration}'},
        trigger=(100, 'iteration'))

    @training.make_extension(trigger=(5, 'iteration'))
    def boom(trainer):
        raise RuntimeError('boom')

    trainer.extend(boom)
    with pytest.raises(RuntimeError, match='boom'):
        trainer.run(show_loop_exception_msg=False)
    assert os.listdir(tmp_path).count('crash_5') == 1


def test_snapshot_defaults_follow_chainer():
    ext = extensions.snapshot()
    assert ext.priority == -100 and ext.trigger == (1, 'epoch')
    assert ext.filename == 'snapshot_iter_{.updater.iteration}'
    assert ext.n_retains == -1 and ext.autoload is False
