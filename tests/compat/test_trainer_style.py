"""Chainer-style Trainer scripts run through the ``chainer`` alias: evaluators, reports,
custom extensions, snapshots (and reading a model out of one), triggers and updaters."""
import io
import json
import os
import warnings

import numpy
import pytest


def _two_moons(chainer, n, seed):
    """Two interleaved half circles with noise: not linearly separable."""
    rs = numpy.random.RandomState(seed)
    t = rs.randint(0, 2, n).astype(numpy.int32)
    angle = rs.uniform(0, numpy.pi, n)
    x = numpy.stack([numpy.cos(angle) + t * 1.0 - 0.5,
                     numpy.sin(angle) * (1 - 2 * t) + t * 0.4 - 0.2], axis=1)
    x += rs.normal(0, 0.1, x.shape)
    return chainer.datasets.TupleDataset(x.astype(numpy.float32), t)


def _mlp_class(chainer):
    import chainer.functions as F
    import chainer.links as L

    class MLP(chainer.Chain):
        def __init__(self, n_units=32):
            super(MLP, self).__init__()
            with self.init_scope():
                self.l1 = L.Linear(None, n_units)
                self.l2 = L.Linear(n_units, n_units)
                self.l3 = L.Linear(n_units, 2)

        def forward(self, x):
            h = F.relu(self.l1(x))
            return self.l3(F.relu(self.l2(h)))

    class Counting(L.Classifier):
        """A Classifier that also reports how many predictions were right, for MicroAverage."""

        def forward(self, x, t):
            loss = super(Counting, self).forward(x, t)
            correct = (self.y.array.argmax(axis=1) == t).sum()
            chainer.report({'correct': correct, 'total': len(t)}, self)
            return loss

    return MLP, Counting


def test_classifier_script_with_the_usual_extensions(chainer, tmp_path):
    from chainer import training
    from chainer.training import extensions
    MLP, Counting = _mlp_class(chainer)

    train = _two_moons(chainer, 300, 0)
    test = _two_moons(chainer, 100, 1)
    model = Counting(MLP())
    optimizer = chainer.optimizers.MomentumSGD(lr=0.2).setup(model)
    train_iter = chainer.iterators.SerialIterator(train, 30)
    test_iter = chainer.iterators.SerialIterator(test, 40, repeat=False, shuffle=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer, device=-1)
    trainer = training.Trainer(updater, (12, 'epoch'), out=str(tmp_path))

    hooked = []
    trainer.extend(extensions.Evaluator(test_iter, model, device=-1,
                                        eval_hook=lambda ev: hooked.append(ev.name)),
                   call_before_training=True)
    trainer.extend(extensions.observe_lr(), trigger=(1, 'epoch'))
    trainer.extend(extensions.ExponentialShift('lr', 0.8), trigger=(4, 'epoch'))
    trainer.extend(extensions.MicroAverage('main/correct', 'main/total', 'main/micro'))

    def add_error(entry):
        entry['error'] = 1 - entry['validation/main/accuracy']
    trainer.extend(extensions.LogReport(postprocess=add_error))
    out = io.StringIO()
    trainer.extend(extensions.PrintReport(['epoch', 'main/loss', 'validation/main/accuracy',
                                           'lr', 'error'], out=out))
    trainer.extend(extensions.snapshot(n_retains=2), trigger=(3, 'epoch'))
    trainer.extend(extensions.snapshot_object(model, 'model_iter_{.updater.iteration}'),
                   trigger=(6, 'epoch'))
    trainer.run()

    log = json.loads((tmp_path / 'log').read_text())
    assert [e['epoch'] for e in log] == list(range(1, 13))
    assert log[-1]['validation/main/accuracy'] > 0.95
    assert log[-1]['main/loss'] < 0.5 * log[0]['main/loss']
    assert log[-1]['error'] == pytest.approx(1 - log[-1]['validation/main/accuracy'])
    # lr observed before the shift of the same epoch: 0.2 for epochs 1-4, then 0.16, 0.128
    assert [round(e['lr'], 6) for e in log] == [0.2] * 4 + [0.16] * 4 + [0.128] * 4
    # MicroAverage over each epoch (10 batches of 30): the fraction of right predictions
    assert all(0 <= e['main/micro'] <= 1 for e in log)
    assert log[-1]['main/micro'] > 0.9
    assert out.getvalue().splitlines()[0].split() == [
        'epoch', 'main/loss', 'validation/main/accuracy', 'lr', 'error']
    assert len(out.getvalue().splitlines()) == 13
    assert hooked == ['validation'] * 13  # before training, then once per epoch
    assert sorted(f for f in os.listdir(tmp_path) if f.startswith('snapshot')) == [
        'snapshot_iter_120', 'snapshot_iter_90']
    assert sorted(f for f in os.listdir(tmp_path) if f.startswith('model')) == [
        'model_iter_120', 'model_iter_60']

    # The model can be read out of a trainer snapshot by its key path.
    fresh = MLP()
    chainer.serializers.load_npz(str(tmp_path / 'snapshot_iter_120'), fresh,
                                 path='updater/model:main/predictor/')
    for (name, a), (_, b) in zip(sorted(model.predictor.namedparams()),
                                 sorted(fresh.namedparams())):
        numpy.testing.assert_array_equal(a.array, b.array, err_msg=name)
    restored = Counting(MLP())
    chainer.serializers.load_npz(str(tmp_path / 'model_iter_120'), restored)
    numpy.testing.assert_array_equal(restored.predictor.l3.W.array, model.predictor.l3.W.array)

    # An evaluator called by hand, after training, and its evaluate() on its own.
    evaluator = extensions.Evaluator(test_iter, restored)
    result = evaluator()
    assert result['main/accuracy'] == pytest.approx(log[-1]['validation/main/accuracy'])
    assert evaluator.evaluate()['main/loss'] == pytest.approx(result['main/loss'])


def test_updater_module_paths_loss_func_and_converter(chainer):
    from chainer import training
    from chainer.training.updater import StandardUpdater
    import chainer.functions as F
    import chainer.links as L
    assert StandardUpdater is training.StandardUpdater is training.updaters.StandardUpdater
    assert chainer.training.util.get_trigger((2, 'epoch')).period == 2

    @chainer.dataset.converter()
    def to_dict(batch, device):
        x = numpy.stack([b[0] for b in batch])
        return {'x': device.send(x), 'y': device.send(2 * x[:, :1] - x[:, 1:])}

    model = L.Linear(2, 1)
    seen = []

    def loss_func(x, y):
        seen.append(type(x))
        loss = F.mean_squared_error(model(x), y)
        chainer.report({'loss': loss}, model)
        return loss

    data = [(numpy.random.rand(2).astype(numpy.float32),) for _ in range(40)]
    optimizer = chainer.optimizers.Adam(0.05).setup(model)
    updater = StandardUpdater(chainer.iterators.SerialIterator(data, 8), optimizer,
                              converter=to_dict, loss_func=loss_func, device='@numpy')
    trainer = training.Trainer(updater, (150, 'iteration'))
    losses = []
    trainer.extend(lambda tr: losses.append(float(tr.observation['main/loss'].array)))
    trainer.run()
    assert seen[0] is numpy.ndarray and len(seen) == 150
    assert losses[-1] < 0.01 * losses[0]
    numpy.testing.assert_allclose(model.W.array, [[2, -1]], atol=0.05)


def _resumable(chainer, out, stop, autoload):
    from chainer import training
    from chainer.training import extensions
    MLP, _ = _mlp_class(chainer)
    import chainer.links as L
    model = L.Classifier(MLP(16))
    optimizer = chainer.optimizers.Adam(0.01).setup(model)
    it = chainer.iterators.SerialIterator(_two_moons(chainer, 60, 3), 16)  # shuffled
    trainer = training.Trainer(training.StandardUpdater(it, optimizer), (stop, 'iteration'),
                               out=out)
    trainer.extend(extensions.snapshot(autoload=autoload, n_retains=1),
                   trigger=(4, 'iteration'))
    trainer.extend(extensions.LogReport(trigger=(4, 'iteration')))
    return trainer, model


def test_snapshot_autoload_resumes_exactly(chainer, tmp_path):
    numpy.random.seed(5)
    straight, straight_model = _resumable(chainer, str(tmp_path / 'a'), 12, False)
    straight.run()

    numpy.random.seed(5)
    first, _ = _resumable(chainer, str(tmp_path / 'b'), 8, True)
    first.run()
    numpy.random.seed(99)  # the snapshot restores every random state the run draws from
    second, model = _resumable(chainer, str(tmp_path / 'b'), 12, True)
    second.run()
    assert second.updater.iteration == 12
    assert os.listdir(tmp_path / 'b') == os.listdir(tmp_path / 'a')
    for (name, a), (_, b) in zip(sorted(straight_model.namedparams()),
                                 sorted(model.namedparams())):
        numpy.testing.assert_array_equal(a.array, b.array, err_msg=name)
    assert (second.get_extension('LogReport').log[-1]['main/loss']
            == straight.get_extension('LogReport').log[-1]['main/loss'])


def test_value_triggers_interval_trigger_and_early_stopping(chainer, tmp_path):
    from chainer import training
    from chainer.training import extensions, triggers
    import chainer.links as L
    MLP, _ = _mlp_class(chainer)
    model = L.Classifier(MLP(16))
    optimizer = chainer.optimizers.SGD(lr=0.1).setup(model)
    train_iter = chainer.iterators.SerialIterator(_two_moons(chainer, 100, 4), 25)
    test_iter = chainer.iterators.SerialIterator(_two_moons(chainer, 50, 5), 25,
                                                  repeat=False, shuffle=False)
    stop = triggers.EarlyStoppingTrigger(monitor='validation/main/loss', patience=2,
                                         check_trigger=(1, 'epoch'), max_trigger=(40, 'epoch'))
    trainer = training.Trainer(training.StandardUpdater(train_iter, optimizer), stop,
                               out=str(tmp_path))
    trainer.extend(extensions.Evaluator(test_iter, model))
    best = []
    trainer.extend(lambda tr: best.append(tr.updater.epoch), name='best',
                   trigger=triggers.MinValueTrigger('validation/main/loss'))
    every_other = []
    trainer.extend(lambda tr: every_other.append(tr.updater.iteration), name='every_other',
                   trigger=training.triggers.IntervalTrigger(2, 'iteration'))
    # After epoch 3 the learning rate drops to 0: the loss stops improving, training stops.
    trainer.extend(extensions.LinearShift('lr', (0.1, 0.0), (12, 13)))
    trainer.run()
    # Improvements at epochs 1-4 (epoch 4 still has one step at lr 0.1), none at 5 and 6.
    assert best == [1, 2, 3, 4]
    assert trainer.updater.epoch == 6
    assert every_other == list(range(2, trainer.updater.iteration + 1, 2))


def test_custom_extension_classes_dump_graph_and_plot_report(chainer, tmp_path):
    from chainer import training
    from chainer.training import extensions
    import chainer.links as L
    MLP, _ = _mlp_class(chainer)

    class Writer(training.Extension):
        priority = training.extension.PRIORITY_WRITER

        def __call__(self, trainer):
            trainer.observation['scaled'] = 10.0

    class Editor(training.Extension):
        priority = training.Extension.PRIORITY_EDITOR

        def __call__(self, trainer):
            trainer.observation['scaled'] += float(trainer.updater.iteration)

    seen = []

    class Reader(training.Extension):
        trigger = 2, 'iteration'

        def __call__(self, trainer):
            seen.append(trainer.observation['scaled'])

    model = L.Classifier(MLP(8))
    optimizer = chainer.optimizers.SGD().setup(model)
    it = chainer.iterators.SerialIterator(_two_moons(chainer, 40, 6), 10)
    trainer = training.Trainer(training.StandardUpdater(it, optimizer), (4, 'iteration'),
                               out=str(tmp_path))
    for ext in (Reader(), Editor(), Writer()):  # registration order does not matter
        trainer.extend(ext)
    trainer.extend(extensions.DumpGraph('main/loss'))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        plot = extensions.PlotReport(['main/loss'], 'iteration', trigger=(2, 'iteration'),
                                     filename='loss.png')
    trainer.extend(plot)
    trainer.run()
    assert seen == [12.0, 14.0]
    dot = (tmp_path / 'cg.dot').read_text()
    assert dot.startswith('digraph') and 'SoftmaxCrossEntropy' in dot
    if extensions.PlotReport.available():
        assert (tmp_path / 'loss.png').stat().st_size > 0 and not caught
    else:  # matplotlib is optional: the extension says so once and draws nothing
        assert [str(w.message) for w in caught] == [
            "PlotReport: matplotlib is not installed, so 'loss.png' will not be plotted "
            "(pip install matplotlib)"]
        assert not (tmp_path / 'loss.png').exists()
