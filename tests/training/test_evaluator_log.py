"""Evaluator (means over a validation sweep, test mode) and LogReport (entries, file, state)."""
import copy
import json
import os

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import training
from dbr.serializers import DictionarySerializer, NpzDeserializer
from dbr.training import extensions


class _Probe(dbr.Chain):
    """Reports the batch mean of x, whether it runs in train mode, and whether backprop is on."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(1, 1)
        self.calls = 0

    def forward(self, x, t=None):
        self.calls += 1
        y = self.l(x)
        dbr.report({'x': float(x.mean()), 'train': float(dbr.config.train),
                    'backprop': float(y.creator is not None)}, self)
        dbr.report({'w': float(self.l.W.array.sum())}, self.l)
        return F.sum(y)


def _iterator(values, batch_size):
    x = numpy.asarray(values, numpy.float32).reshape(-1, 1)
    return dbr.iterators.SerialIterator(list(zip(x, numpy.zeros(len(x), numpy.int32))),
                                        batch_size, repeat=False, shuffle=False)


def test_evaluator_called_directly_returns_batch_means_in_test_mode():
    model = _Probe()
    ev = extensions.Evaluator(_iterator([1, 2, 3, 4, 5, 9], 4), model)
    result = ev()
    # batch means 2.5 and 7.0; the summary averages per batch, as Chainer does
    assert result['main/x'] == pytest.approx(4.75)
    assert result['main/train'] == 0.0 and result['main/backprop'] == 0.0
    assert 'main/l/w' in result
    assert dbr.config.train is True
    assert ev() == result  # the iterator is reset for every evaluation
    assert model.calls == 4


def test_evaluator_in_a_trainer_reports_under_its_name(tmp_path):
    model = _Probe()
    train = dbr.iterators.SerialIterator(
        list(zip(numpy.ones((4, 1), numpy.float32), numpy.zeros(4, numpy.int32))), 2)
    optimizer = dbr.optimizers.SGD(0.).setup(model)
    trainer = training.Trainer(training.StandardUpdater(train, optimizer), (2, 'iteration'),
                               out=str(tmp_path))
    trainer.extend(extensions.Evaluator(_iterator([2, 4], 2), model),
                   trigger=(1, 'iteration'))
    trainer.extend(extensions.Evaluator(_iterator([6], 1), model), name='test',
                   trigger=(1, 'iteration'))
    seen = []
    trainer.extend(lambda tr: seen.append(dict(tr.observation)), name='look')
    trainer.run()
    obs = seen[-1]
    assert obs['validation/main/x'] == 3.0 and obs['test/main/x'] == 6.0
    assert obs['validation/main/train'] == 0.0 and obs['main/train'] == 1.0
    assert 'validation/main/l/w' in obs


def test_evaluator_defaults_follow_chainer():
    ev = extensions.Evaluator(_iterator([1], 1), _Probe())
    assert ev.trigger == (1, 'epoch') and ev.default_name == 'validation'
    assert ev.priority == training.PRIORITY_WRITER and ev.name is None


def test_evaluator_dicts_hook_eval_func_converter_and_device():
    model_a, model_b = _Probe(), _Probe()
    hooks, funcs, devices = [], [], []

    def converter(batch, device):
        devices.append(device)
        return {'x': numpy.stack([b[0] for b in batch])}

    def eval_func(x):
        funcs.append(x.shape)
        model_b(x)

    ev = extensions.Evaluator({'main': _iterator([1, 2, 3], 3)},
                              {'main': model_a, 'other': model_b}, converter=converter,
                              device='@numpy', eval_hook=hooks.append, eval_func=eval_func)
    result = ev()
    assert hooks == [ev] and funcs == [(3, 1)]
    assert devices == [-1]  # a plain function gets Chainer's int id
    assert result['other/x'] == 2.0 and model_a.calls == 0
    assert ev.get_target('other') is model_b and set(ev.get_all_targets()) == {'main', 'other'}
    assert ev.get_iterator('main') is ev.get_all_iterators()['main']


def test_evaluator_copies_an_iterator_without_reset():
    class OneShot:
        def __init__(self):
            self.batches = [[(numpy.ones(1, numpy.float32) * 3, 0)]]

        def __iter__(self):
            return iter(self.batches)

        def __copy__(self):
            new = OneShot()
            new.batches = list(self.batches)
            return new

    it = OneShot()
    ev = extensions.Evaluator(it, _Probe())
    with pytest.warns(DeprecationWarning, match='no reset'):
        assert ev()['main/x'] == 3.0
    assert copy.copy(it).batches == it.batches


def test_evaluator_warns_about_repeating_iterators():
    it = dbr.iterators.SerialIterator(numpy.zeros((2, 1), numpy.float32), 1)
    with pytest.warns(UserWarning, match="iterator 'main' repeats"):
        extensions.Evaluator(it, _Probe())


def test_evaluator_progress_bar_writes_to_stderr(capsys):
    extensions.Evaluator(_iterator([1, 2, 3], 1), _Probe(), progress_bar=True)()
    assert 'validation' in capsys.readouterr().err


def test_evaluate_can_be_overridden():
    class Fixed(extensions.Evaluator):
        def evaluate(self):
            return {'main/score': float(dbr.config.train)}

    assert Fixed(_iterator([1], 1), _Probe())() == {'main/score': 0.0}


def test_evaluate_on_its_own_sets_up_the_reporter_and_test_mode():
    model = _Probe()
    ev = extensions.Evaluator(_iterator([1, 2, 3, 4, 5, 9], 4), model)
    result = ev.evaluate()
    assert result == ev()
    assert result['main/x'] == pytest.approx(4.75) and result['main/train'] == 0.0
    assert dbr.config.train is True

    class Scaled(extensions.Evaluator):  # an override around the base loop runs once
        calls = 0

        def evaluate(self):
            self.calls += 1
            return {k: 2 * v for k, v in super().evaluate().items()}

    scaled = Scaled(_iterator([1, 2, 3, 4, 5, 9], 4), _Probe())
    assert scaled.evaluate()['main/x'] == pytest.approx(9.5)
    assert scaled.calls == 1


# ----- LogReport ---------------------------------------------------------------------------

class _Counter(dbr.Link):
    """Its loss is the iteration number it is called at, so log means are easy to predict."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.w = dbr.Parameter(numpy.zeros(1, numpy.float32))
        self.n = 0

    def forward(self, x):
        self.n += 1
        dbr.report({'loss': float(self.n), 'other': 1.0}, self)
        return F.sum(self.w * x)


def _log_trainer(tmp_path, log_report, stop=6):
    model = _Counter()
    it = dbr.iterators.SerialIterator(numpy.ones((4, 1), numpy.float32), 2)
    optimizer = dbr.optimizers.SGD(0.).setup(model)
    trainer = training.Trainer(training.StandardUpdater(it, optimizer), (stop, 'iteration'),
                               out=str(tmp_path))
    trainer.extend(log_report)
    return trainer


def test_log_report_entries_and_file(tmp_path):
    report = extensions.LogReport(trigger=(2, 'iteration'))
    _log_trainer(tmp_path, report).run()
    log = report.log
    assert [(e['iteration'], e['epoch'], e['main/loss']) for e in log] == [
        (2, 1, 1.5), (4, 2, 3.5), (6, 3, 5.5)]
    assert all(e['main/other'] == 1.0 and e['elapsed_time'] > 0 for e in log)
    with open(tmp_path / 'log') as f:
        assert json.load(f) == log
    assert [n for n in os.listdir(tmp_path)] == ['log']  # no temporary file left


def test_log_report_default_trigger_is_one_epoch(tmp_path):
    report = extensions.LogReport()
    _log_trainer(tmp_path, report).run()
    assert [e['iteration'] for e in report.log] == [2, 4, 6]


def test_log_report_keys_postprocess_and_filename_template(tmp_path):
    def postprocess(stats):
        stats['double'] = 2 * stats['main/loss']

    report = extensions.LogReport(keys=['main/loss'], trigger=(3, 'iteration'),
                                  postprocess=postprocess, filename='log_{iteration}.json')
    _log_trainer(tmp_path, report).run()
    assert [sorted(e) for e in report.log] == [
        ['double', 'elapsed_time', 'epoch', 'iteration', 'main/loss']] * 2
    assert report.log[1]['double'] == 10.0
    assert sorted(os.listdir(tmp_path)) == ['log_3.json', 'log_6.json']
    with open(tmp_path / 'log_3.json') as f:
        assert len(json.load(f)) == 1


def test_log_report_without_file(tmp_path):
    report = extensions.LogReport(trigger=(2, 'iteration'), log_name=None)
    _log_trainer(tmp_path, report).run()
    assert len(report.log) == 3 and os.listdir(tmp_path) == []
    assert extensions.LogReport(filename=None)._log_name == 'log'
    with pytest.raises(TypeError, match="LogReport: unexpected arguments \\['name'\\]"):
        extensions.LogReport(name='x')


def test_log_report_serialize_keeps_log_and_running_means(tmp_path):
    report = extensions.LogReport(trigger=(4, 'iteration'))
    _log_trainer(tmp_path, report, stop=6).run()  # one entry at 4; 5 and 6 pending
    s = DictionarySerializer()
    report.serialize(s)
    restored = extensions.LogReport(trigger=(4, 'iteration'))
    restored.serialize(NpzDeserializer({k: numpy.asarray(v) for k, v in s.target.items()}))
    assert restored.log == report.log
    trainer = _log_trainer(tmp_path / 'again', restored, stop=8)
    trainer.updater.iteration = 6
    trainer.updater.get_optimizer('main').target.n = 6
    trainer.updater.get_iterator('main').serialize(NpzDeserializer(
        {k[len('updater/iterator:main/'):]: v for k, v in _iterator_state(tmp_path).items()}))
    trainer.run()
    assert [e['iteration'] for e in restored.log] == [4, 8]
    assert restored.log[1]['main/loss'] == pytest.approx((5 + 6 + 7 + 8) / 4)


def _iterator_state(tmp_path):
    it = dbr.iterators.SerialIterator(numpy.ones((4, 1), numpy.float32), 2)
    for _ in range(6):
        it.next()
    s = DictionarySerializer(path='updater/iterator:main/')
    it.serialize(s)
    return s.target
