"""Trainer: extension registration and order, the loop, errors, reporting, end-to-end training."""
import os

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import training
from dbr.serializers import DictionarySerializer, NpzDeserializer
from dbr.training import extensions


class _MLP(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(2, 8)
            self.l2 = L.Linear(8, 2)

    def forward(self, x, t):
        h = F.relu(self.l1(x))
        dbr.report({'h_mean': F.mean(h)}, self.l1)
        y = self.l2(h)
        loss = F.softmax_cross_entropy(y, t)
        dbr.report({'loss': loss, 'accuracy': F.accuracy(y, t)}, self)
        return loss


def _dataset(n, seed):
    rs = numpy.random.RandomState(seed)
    x = rs.uniform(-1, 1, (n, 2)).astype(numpy.float32)
    t = (x[:, 0] - 0.5 * x[:, 1] > 0).astype(numpy.int32)
    return dbr.datasets.TupleDataset(x, t)


def _trainer(tmp_path, stop=(6, 'iteration'), **kwargs):
    model = _MLP()
    optimizer = dbr.optimizers.Adam(0.05).setup(model)
    it = dbr.iterators.SerialIterator(_dataset(20, 0), 5)
    updater = training.StandardUpdater(it, optimizer)
    return training.Trainer(updater, stop, out=str(tmp_path / 'result'), **kwargs), model


def test_end_to_end_training_reaches_high_accuracy(tmp_path):
    numpy.random.seed(0)
    model = L.Classifier(L.Linear(2, 2))
    optimizer = dbr.optimizers.Adam(0.1).setup(model)
    train = dbr.iterators.SerialIterator(_dataset(200, 1), 20)
    test = dbr.iterators.SerialIterator(_dataset(100, 2), 50, repeat=False, shuffle=False)
    trainer = training.Trainer(training.StandardUpdater(train, optimizer), (8, 'epoch'),
                               out=str(tmp_path))
    trainer.extend(extensions.Evaluator(test, model))
    trainer.extend(extensions.LogReport())
    trainer.run()
    log = trainer.get_extension('LogReport').log
    assert [e['epoch'] for e in log] == list(range(1, 9))
    assert log[-1]['validation/main/accuracy'] >= 0.95
    assert log[-1]['main/loss'] < log[0]['main/loss']
    assert trainer.updater.iteration == 80


def test_observation_names_follow_the_optimizer_target_and_its_links(tmp_path):
    trainer, model = _trainer(tmp_path, stop=(1, 'iteration'))
    seen = []
    trainer.extend(lambda tr: seen.append(sorted(tr.observation)), name='look')
    trainer.run()
    assert seen == [['main/accuracy', 'main/l1/h_mean', 'main/loss']]


def test_extension_names_defaults_and_duplicates(tmp_path):
    trainer, _ = _trainer(tmp_path)

    class Ext(training.Extension):
        def __call__(self, trainer):
            pass

    def func(trainer):
        pass

    named = Ext()
    named.name = 'given'
    for ext in (Ext(), Ext(), named, func):
        trainer.extend(ext)
    trainer.extend(Ext(), name='custom')
    assert list(trainer._extensions) == ['Ext', 'Ext_1', 'given', 'func', 'custom']
    assert trainer.get_extension('Ext_1').name == 'Ext_1'
    with pytest.raises(ValueError, match="no extension named 'nope'"):
        trainer.get_extension('nope')
    with pytest.raises(ValueError, match='"training" is reserved'):
        trainer.extend(func, name='training')
    with pytest.raises(TypeError, match='pass an instance'):
        trainer.extend(Ext)
    with pytest.raises(TypeError, match='must be callable'):
        trainer.extend(3)


def test_priorities_triggers_and_call_before_training(tmp_path):
    trainer, _ = _trainer(tmp_path, stop=(4, 'iteration'))
    calls = []

    def record(tag):
        def ext(trainer):
            calls.append((trainer.updater.iteration, tag))
        ext.__name__ = tag
        return ext

    trainer.extend(record('reader'), priority=training.PRIORITY_READER)
    trainer.extend(record('writer'), priority=training.PRIORITY_WRITER)
    trainer.extend(record('every2'), trigger=(2, 'iteration'),
                   priority=training.PRIORITY_EDITOR)
    trainer.extend(record('before'), trigger=(100, 'iteration'), call_before_training=True)
    trainer.run()
    assert calls == [(0, 'before'),
                     (1, 'writer'), (1, 'reader'),
                     (2, 'writer'), (2, 'every2'), (2, 'reader'),
                     (3, 'writer'), (3, 'reader'),
                     (4, 'writer'), (4, 'every2'), (4, 'reader')]


def test_make_extension_defaults_are_used(tmp_path):
    trainer, _ = _trainer(tmp_path, stop=(4, 'iteration'))
    calls = []

    @training.make_extension(trigger=(2, 'iteration'), priority=500,
                             initializer=lambda tr: calls.append('init'))
    def ext(trainer):
        calls.append(trainer.updater.iteration)

    trainer.extend(ext)
    trainer.run()
    assert calls == ['init', 2, 4]
    assert trainer._extensions['ext'].priority == 500


def test_make_extension_finalizer_default_name_and_class_priorities(tmp_path):
    trainer, _ = _trainer(tmp_path, stop=(3, 'iteration'))
    calls = []

    @training.make_extension(default_name='watch', finalizer=lambda: calls.append('end'))
    def ext(trainer):
        calls.append(trainer.updater.iteration)

    class Writer(training.Extension):
        priority = training.Extension.PRIORITY_WRITER

        def __call__(self, trainer):
            calls.append('w')

    assert (training.Extension.PRIORITY_WRITER, training.Extension.PRIORITY_EDITOR,
            training.Extension.PRIORITY_READER) == (300, 200, 100)
    assert Writer().PRIORITY_READER == training.extension.PRIORITY_READER
    assert ext.priority == training.PRIORITY_READER and ext.trigger == (1, 'iteration')
    trainer.extend(ext)
    trainer.extend(Writer())
    trainer.run()
    assert trainer.get_extension('watch') is ext
    assert calls == ['w', 1, 'w', 2, 'w', 3, 'end']


def test_initialize_finalize_and_elapsed_time(tmp_path):
    trainer, _ = _trainer(tmp_path, stop=(2, 'iteration'))
    events = []

    class Ext(training.Extension):
        def initialize(self, trainer):
            events.append(('init', trainer.updater.iteration, trainer.is_before_training))

        def __call__(self, trainer):
            events.append(('call', trainer.updater.iteration, trainer.elapsed_time > 0))

        def finalize(self):
            events.append(('finalize',))

    class Done(training.Extension):
        trigger = training.triggers.ManualScheduleTrigger(1, 'iteration')

        def initialize(self, trainer):
            events.append(('done-init',))

        def __call__(self, trainer):
            pass

    done = Done()
    done.trigger.finished = True  # a finished trigger (say, restored) skips initialize
    trainer.extend(Ext())
    trainer.extend(done)
    with pytest.raises(RuntimeError, match='training has not been started'):
        trainer.elapsed_time
    trainer.run()
    assert events == [('init', 0, True), ('call', 1, True), ('call', 2, True), ('finalize',)]
    assert trainer.elapsed_time > 0 and trainer.elapsed_time == trainer.elapsed_time
    assert os.path.isdir(tmp_path / 'result')
    with pytest.raises(RuntimeError, match='cannot run twice'):
        trainer.run()


def test_errors_run_every_on_error_handler_then_finalize_and_propagate(tmp_path, capsys):
    trainer, _ = _trainer(tmp_path, stop=(10, 'iteration'))
    events = []

    class Handler(training.Extension):
        def __init__(self, fail):
            self.fail = fail

        def __call__(self, trainer):
            if trainer.updater.iteration == 3 and self.fail:
                raise ValueError('bad step')

        def on_error(self, trainer, exc, tb):
            events.append(('on_error', self.name, type(exc).__name__, tb is not None))
            if self.fail:
                raise KeyError('handler broke')

        def finalize(self):
            events.append(('finalize', self.name))

    finalized = []
    trainer.updater.finalize = lambda: finalized.append(True)
    trainer.extend(Handler(True), name='a')
    trainer.extend(Handler(False), name='b')
    with pytest.raises(ValueError, match='bad step'):
        trainer.run()
    err = capsys.readouterr().err
    assert 'Exception in main training loop: bad step' in err
    assert 'Exception in error handler' in err and 'Will finalize' in err
    assert events == [('on_error', 'a', 'ValueError', True), ('on_error', 'b', 'ValueError', True),
                      ('finalize', 'a'), ('finalize', 'b')]
    assert finalized == [True]
    assert trainer.updater.iteration == 3


def test_quiet_errors(tmp_path, capsys):
    trainer, _ = _trainer(tmp_path)

    def boom(trainer):
        raise RuntimeError('boom')

    trainer.extend(boom)
    with pytest.raises(RuntimeError, match='boom'):
        trainer.run(show_loop_exception_msg=False)
    assert capsys.readouterr().err == ''


def test_no_stop_trigger_runs_until_an_extension_stops_it(tmp_path):
    trainer, _ = _trainer(tmp_path, stop=None)

    class Stop(Exception):
        pass

    def stopper(trainer):
        if trainer.updater.iteration == 7:
            raise Stop

    trainer.extend(stopper)
    with pytest.raises(Stop):
        trainer.run(show_loop_exception_msg=False)
    assert trainer.updater.iteration == 7


def test_stop_trigger_in_epochs_and_custom(tmp_path):
    trainer, _ = _trainer(tmp_path, stop=(2, 'epoch'))
    trainer.run()
    assert trainer.updater.iteration == 8 and trainer.updater.epoch == 2
    trainer, _ = _trainer(tmp_path, stop=lambda tr: tr.updater.iteration >= 3)
    trainer.run()
    assert trainer.updater.iteration == 3


def test_constructor_extensions_and_serialize_layout(tmp_path):
    log = extensions.LogReport(trigger=(2, 'iteration'))
    trainer, _ = _trainer(tmp_path, stop=(4, 'iteration'), extensions=[log])
    assert trainer.get_extension('LogReport') is log
    trainer.run()
    s = DictionarySerializer()
    trainer.serialize(s)
    keys = set(s.target)
    assert {'updater/iteration', 'stop_trigger/previous_iteration',
            'extensions/LogReport/_log', 'extension_triggers/LogReport/previous_iteration',
            '_snapshot_elapsed_time', '_random_state/numpy/keys'} <= keys
    fresh, _ = _trainer(tmp_path, stop=(4, 'iteration'),
                        extensions=[extensions.LogReport(trigger=(2, 'iteration'))])
    fresh.serialize(NpzDeserializer(s.target))
    assert fresh.updater.iteration == 4
    assert fresh.get_extension('LogReport').log == log.log
    assert fresh._snapshot_elapsed_time == pytest.approx(trainer.elapsed_time)


def test_serializing_before_run_works(tmp_path):
    trainer, _ = _trainer(tmp_path)
    s = DictionarySerializer()
    trainer.serialize(s)
    assert s.target['_snapshot_elapsed_time'] == 0.0


def test_training_is_lazy_from_dbr():
    import subprocess
    import sys
    code = ('import sys, dbr; assert "dbr.training" not in sys.modules; '
            'dbr.training.Trainer; assert "dbr.training" in sys.modules')
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, '-c', code], check=True, env=dict(os.environ,
                                                                      PYTHONPATH=root))
