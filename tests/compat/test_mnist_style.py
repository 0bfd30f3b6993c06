"""MNIST-style Chainer scripts on dbr through the alias: a subclassed MLP, a Trainer with the
usual extensions and its resume, a custom training loop with model/optimizer files, and a
script with ``--resume`` run twice through ``python -m dbr.compat``."""
import io
import json
import os
import subprocess
import sys
import textwrap

import numpy

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _digits(n, seed):
    """Ten noisy prototypes of 8x8 'images' (flattened), one per class: an easy MNIST stand-in."""
    rng = numpy.random.RandomState(seed)
    prototypes = numpy.random.RandomState(42).uniform(0, 1, (10, 64))
    t = rng.randint(0, 10, n).astype(numpy.int32)
    x = numpy.clip(prototypes[t] + rng.normal(0, 0.35, (n, 64)), 0, 1).astype(numpy.float32)
    return x, t


def _mlp_class(chainer):
    import chainer.functions as F
    import chainer.links as L

    class MLP(chainer.Chain):
        def __init__(self, n_units, n_out):
            super(MLP, self).__init__()
            with self.init_scope():
                self.l1 = L.Linear(None, n_units)
                self.l2 = L.Linear(None, n_units)
                self.l3 = L.Linear(None, n_out)

        def forward(self, x):
            h1 = F.relu(self.l1(x))
            h2 = F.relu(self.l2(h1))
            return self.l3(h2)

    return MLP


def _trainer(chainer, out, epochs, shuffle=True, seed=0):
    import chainer.links as L
    from chainer import training
    from chainer.training import extensions

    numpy.random.seed(seed)
    device = chainer.get_device('@numpy')
    model = L.Classifier(_mlp_class(chainer)(32, 10))
    model.to_device(device)
    device.use()
    optimizer = chainer.optimizers.Adam(alpha=0.01)
    optimizer.setup(model)
    train = chainer.datasets.TupleDataset(*_digits(400, 1))
    test = chainer.datasets.TupleDataset(*_digits(200, 2))
    train_iter = chainer.iterators.SerialIterator(train, 50, shuffle=shuffle)
    test_iter = chainer.iterators.SerialIterator(test, 50, repeat=False, shuffle=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer, device=device)
    trainer = training.Trainer(updater, (epochs, 'epoch'), out=str(out))
    trainer.extend(extensions.Evaluator(test_iter, model, device=device))
    trainer.extend(extensions.DumpGraph('main/loss'))
    trainer.extend(extensions.snapshot(), trigger=(1, 'epoch'))
    trainer.extend(extensions.LogReport())
    report = io.StringIO()
    trainer.extend(extensions.PrintReport(
        ['epoch', 'main/loss', 'validation/main/loss', 'main/accuracy',
         'validation/main/accuracy', 'elapsed_time'], out=report))
    return trainer, model, report


def test_trainer_with_extensions_learns(chainer, tmp_path):
    trainer, model, report = _trainer(chainer, tmp_path, 4)
    trainer.run()
    log = json.loads((tmp_path / 'log').read_text())
    assert [entry['epoch'] for entry in log] == [1, 2, 3, 4]
    assert log[-1]['main/loss'] < 0.5 * log[0]['main/loss']
    assert log[-1]['validation/main/accuracy'] > 0.9
    assert (tmp_path / 'cg.dot').read_text().startswith('digraph')
    assert sorted(p.name for p in tmp_path.glob('snapshot_iter_*')) == [
        f'snapshot_iter_{i}' for i in (16, 24, 32, 8)]
    lines = report.getvalue().splitlines()
    assert lines[0].split()[:3] == ['epoch', 'main/loss', 'validation/main/loss']
    assert [line.split()[0] for line in lines[1:]] == ['1', '2', '3', '4']


def test_trainer_resume_continues_identically(chainer, tmp_path):
    straight, model, _ = _trainer(chainer, tmp_path / 'straight', 3, shuffle=False)
    straight.run()
    first, _, _ = _trainer(chainer, tmp_path / 'first', 2, shuffle=False)
    first.run()
    resumed, resumed_model, report = _trainer(chainer, tmp_path / 'first', 3, shuffle=False,
                                              seed=2)
    chainer.serializers.load_npz(str(tmp_path / 'first' / 'snapshot_iter_16'), resumed)
    assert resumed.updater.iteration == 16
    resumed.run()
    for (name, p), (_, q) in zip(sorted(model.namedparams()),
                                 sorted(resumed_model.namedparams())):
        numpy.testing.assert_array_equal(p.array, q.array, err_msg=name)
    log = json.loads((tmp_path / 'first' / 'log').read_text())
    assert [entry['epoch'] for entry in log] == [1, 2, 3]
    # The model in a trainer snapshot is reachable by its path, as Chainer lays it out.
    predictor = _mlp_class(chainer)(32, 10)
    chainer.serializers.load_npz(str(tmp_path / 'straight' / 'snapshot_iter_24'), predictor,
                                 path='updater/model:main/predictor/')
    numpy.testing.assert_array_equal(predictor.l3.W.array, model.predictor.l3.W.array)


def _custom_loop(chainer, epochs, out, resume=None):
    import chainer.links as L
    from chainer import configuration, serializers
    from chainer.dataset import convert

    numpy.random.seed(0)  # the same initial weights in every run (unless resumed)
    device = chainer.get_device(numpy)
    model = L.Classifier(_mlp_class(chainer)(32, 10))
    model.to_device(device)
    device.use()
    optimizer = chainer.optimizers.Adam(alpha=0.01)
    optimizer.setup(model)
    if resume:
        serializers.load_npz('{}/mlp.model'.format(resume), model)
        serializers.load_npz('{}/mlp.state'.format(resume), optimizer)
    train = chainer.datasets.TupleDataset(*_digits(300, 1))
    test = chainer.datasets.TupleDataset(*_digits(100, 2))
    train_iter = chainer.iterators.SerialIterator(train, 50, shuffle=False)
    test_iter = chainer.iterators.SerialIterator(test, 50, repeat=False, shuffle=False)
    history = []
    sum_loss = sum_accuracy = 0
    while train_iter.epoch < epochs:
        batch = train_iter.next()
        x, t = convert.concat_examples(batch, device)
        optimizer.update(model, x, t)
        sum_loss += float(model.loss.array) * len(t)
        sum_accuracy += float(model.accuracy.array) * len(t)
        if train_iter.is_new_epoch:
            test_loss = test_accuracy = 0
            with configuration.using_config('train', False):
                with chainer.using_config('enable_backprop', False):
                    for batch in test_iter:
                        x, t = convert.concat_examples(batch, device)
                        loss = model(x, t)
                        assert loss.creator is None
                        test_loss += float(loss.array) * len(t)
                        test_accuracy += float(model.accuracy.array) * len(t)
            test_iter.reset()
            history.append((sum_loss / len(train), test_accuracy / len(test)))
            sum_loss = sum_accuracy = 0
    os.makedirs(out, exist_ok=True)
    serializers.save_npz('{}/mlp.model'.format(out), model)
    serializers.save_npz('{}/mlp.state'.format(out), optimizer)
    return model, history


def test_custom_loop_learns_and_resumes_from_files(chainer, tmp_path):
    model, history = _custom_loop(chainer, 4, str(tmp_path / 'straight'))
    assert history[-1][0] < 0.5 * history[0][0]
    assert history[-1][1] > 0.9
    _custom_loop(chainer, 2, str(tmp_path / 'first'))
    # A fresh, lazily-sized model takes the saved parameters and Adam's state.
    resumed, more = _custom_loop(chainer, 2, str(tmp_path / 'second'),
                                 resume=str(tmp_path / 'first'))
    numpy.testing.assert_array_equal(resumed.predictor.l1.W.array, model.predictor.l1.W.array)
    numpy.testing.assert_allclose([h[0] for h in more], [h[0] for h in history[2:]], rtol=1e-6)


_SCRIPT = '''
import argparse
import numpy
import chainer
import chainer.functions as F
import chainer.links as L
from chainer import training
from chainer.training import extensions


class Net(chainer.Chain):
    def __init__(self):
        super(Net, self).__init__()
        with self.init_scope():
            self.l1 = L.Linear(16)
            self.l2 = L.Linear(3)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--epoch', type=int)
    parser.add_argument('--resume')
    args = parser.parse_args()
    numpy.random.seed(0)  # the same initial weights in every run
    rng = numpy.random.RandomState(0)
    x = rng.normal(size=(90, 5)).astype(numpy.float32)
    t = (numpy.argmax(x[:, :3], axis=1)).astype(numpy.int32)
    model = L.Classifier(Net())
    optimizer = chainer.optimizers.MomentumSGD(0.1).setup(model)
    train_iter = chainer.iterators.SerialIterator(
        chainer.datasets.TupleDataset(x, t), 30, shuffle=False)
    updater = training.StandardUpdater(train_iter, optimizer, device=-1)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out='result')
    trainer.extend(extensions.snapshot(), trigger=(1, 'epoch'))
    trainer.extend(extensions.LogReport())
    if args.resume:
        chainer.serializers.load_npz(args.resume, trainer)
    trainer.run()
    print('iteration', updater.iteration, 'W', float(model.predictor.l2.W.array.sum()))


if __name__ == '__main__':
    main()
'''


def _run(args, cwd):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    done = subprocess.run([sys.executable, '-m', 'dbr.compat'] + args, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_script_resume_through_the_command_line(tmp_path):
    (tmp_path / 'train.py').write_text(textwrap.dedent(_SCRIPT))
    straight = _run(['train.py', '--epoch', '4'], tmp_path)
    (tmp_path / 'result' / 'log').unlink()
    _run(['train.py', '--epoch', '2'], tmp_path)
    resumed = _run(['train.py', '--epoch', '4', '--resume', 'result/snapshot_iter_6'], tmp_path)
    assert resumed == straight and resumed[:2] == ['iteration', '12']
    log = json.loads((tmp_path / 'result' / 'log').read_text())
    assert [entry['iteration'] for entry in log] == [3, 6, 9, 12]
