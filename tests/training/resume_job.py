"""A small training job for the kill-and-resume test (run as a script, not collected by pytest).

    python resume_job.py OUT

trains a dropout MLP with Adam on a noisy synthetic dataset for ``N_ITER`` iterations, with a
trainer snapshot (``autoload=True``) every ``SNAPSHOT_EVERY`` iterations, a LogReport, an
Evaluator, a manual learning-rate schedule and a best-model snapshot. Running the same command
again after a crash resumes from the newest complete snapshot; at the end it writes
``OUT/final.npz`` (the model) and prints ``DONE``.

Environment variables make it die on purpose (SIGKILL to itself, so no cleanup code runs):

- ``RESUME_KILL_AT``: iteration whose forward pass is killed;
- ``RESUME_KILL_IN_SNAPSHOT``: iteration whose snapshot is killed after writing half the file;
- ``RESUME_PAUSE_IN_SNAPSHOT``: like the previous one but prints ``PAUSED`` and waits to be
  killed from outside;
- ``RESUME_SLEEP``: seconds to sleep per iteration (lets a test kill it from outside).

Each iteration prints ``ITER <n>`` when it starts.
"""
import io
import os
import signal
import sys
import time

import numpy

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import training
from dbr.serializers import save_npz
from dbr.training import extensions, triggers

N_ITER = 60
SNAPSHOT_EVERY = 10


class NoisyDataset:
    """Points of three Gaussian blobs; each access adds fresh noise from numpy.random."""

    def __init__(self, n, seed):
        rs = numpy.random.RandomState(seed)
        self.t = rs.randint(0, 3, size=n).astype(numpy.int32)
        centers = numpy.array([[2, 0, 0, 1], [0, 2, 0, -1], [0, 0, 2, 0]], numpy.float32)
        self.x = (centers[self.t] + rs.normal(0, 0.7, (n, 4))).astype(numpy.float32)

    def __len__(self):
        return len(self.t)

    def __getitem__(self, i):
        noise = numpy.random.normal(0, 0.05, 4).astype(numpy.float32)
        return self.x[i] + noise, self.t[i]


class MLP(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(4, 16)
            self.l2 = L.Linear(16, 3)

    def forward(self, x, t):
        h = F.dropout(F.relu(self.l1(x)), 0.3)
        y = self.l2(h)
        loss = F.softmax_cross_entropy(y, t)
        dbr.report({'loss': loss, 'accuracy': F.accuracy(y, t)}, self)
        return loss


def _kill_self():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _env_int(name):
    value = os.environ.get(name)
    return None if value is None else int(value)


def main(out):
    kill_at = _env_int('RESUME_KILL_AT')
    kill_in_snapshot = _env_int('RESUME_KILL_IN_SNAPSHOT')
    pause_in_snapshot = _env_int('RESUME_PAUSE_IN_SNAPSHOT')
    sleep = float(os.environ.get('RESUME_SLEEP', '0'))

    numpy.random.seed(0)
    model = MLP()
    # The shuffle has its own generator (saved by the iterator); dropout and the dataset's
    # noise draw from numpy's global one (saved by the trainer).
    sampler = dbr.iterators.ShuffleOrderSampler(numpy.random.RandomState(3))
    train = dbr.iterators.SerialIterator(NoisyDataset(50, 1), 8, order_sampler=sampler)
    valid = dbr.iterators.SerialIterator(NoisyDataset(20, 2), 10, repeat=False, shuffle=False)
    optimizer = dbr.optimizers.Adam(alpha=0.01).setup(model)
    trainer = None

    def loss_func(x, t):
        iteration = trainer.updater.iteration + 1
        print('ITER', iteration, flush=True)
        if iteration == kill_at:
            _kill_self()
        if sleep:
            time.sleep(sleep)
        return model(x, t)

    def savefun(path, obj):
        iteration = trainer.updater.iteration
        if iteration in (kill_in_snapshot, pause_in_snapshot):
            buf = io.BytesIO()
            save_npz(buf, obj)
            data = buf.getvalue()
            with open(path, 'wb') as f:
                f.write(data[:len(data) // 2])
                f.flush()
            if iteration == kill_in_snapshot:
                _kill_self()
            print('PAUSED', flush=True)
            time.sleep(60)
        save_npz(path, obj)

    updater = training.StandardUpdater(train, optimizer, loss_func=loss_func)
    trainer = training.Trainer(updater, (N_ITER, 'iteration'), out=out)
    trainer.extend(extensions.Evaluator(valid, model), trigger=(20, 'iteration'))
    trainer.extend(extensions.LogReport(trigger=(7, 'iteration')))

    @training.make_extension(trigger=triggers.ManualScheduleTrigger([25, 45], 'iteration'))
    def halve_alpha(trainer):
        optimizer.alpha *= 0.5

    trainer.extend(halve_alpha)
    trainer.extend(extensions.snapshot_object(model, 'best_model'),
                   trigger=triggers.MaxValueTrigger('main/accuracy', (10, 'iteration')))
    trainer.extend(extensions.snapshot(savefun=savefun, autoload=True),
                   trigger=(SNAPSHOT_EVERY, 'iteration'))
    trainer.run()
    save_npz(os.path.join(out, 'final.npz'), model)
    print('DONE', flush=True)


if __name__ == '__main__':
    main(sys.argv[1])
