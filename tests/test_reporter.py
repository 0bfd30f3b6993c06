import math
import threading

import numpy
import pytest

import dbr
from dbr import reporter as reporter_module


def test_report_outside_a_scope_is_a_noop():
    dbr.report({'loss': 1.0})


def test_report_with_observer_prefix():
    model = dbr.Link()
    r = dbr.Reporter()
    r.add_observer('main', model)
    observation = {}
    with r.scope(observation):
        dbr.report({'loss': 2.0, 'accuracy': 0.5}, model)
        dbr.report({'lr': 0.1})
        assert dbr.get_current_reporter() is r
    assert observation == {'main/loss': 2.0, 'main/accuracy': 0.5, 'lr': 0.1}


def test_add_observers_from_namedlinks():
    chain = dbr.Chain()
    with chain.init_scope():
        chain.child = dbr.Link()
    r = dbr.Reporter()
    r.add_observers('main', chain.namedlinks(skipself=True))
    obs = {}
    with r.scope(obs):
        dbr.report({'x': 1}, chain.child)
    assert obs == {'main/child/x': 1}


def test_unregistered_observer_raises():
    r = dbr.Reporter()
    with r.scope({}):
        with pytest.raises(KeyError, match='observer Link is not registered'):
            dbr.report({'x': 1}, dbr.Link())


def test_reported_variables_are_detached():
    x = dbr.Variable(numpy.array(2.0))
    y = x * 3
    r = dbr.Reporter()
    obs = {}
    with r.scope(obs):
        dbr.report({'y': y})
    assert obs['y'].creator is None and float(obs['y'].array) == 6.0
    with dbr.using_config('keep_graph_on_report', True):
        with r.scope(obs):
            dbr.report({'y': y})
    assert obs['y'] is y


def test_report_scope_and_nested_reporters():
    outer, inner = dbr.Reporter(), dbr.Reporter()
    a, b = {}, {}
    with outer.scope(a):
        with inner.scope(b):
            dbr.report({'v': 1})
        dbr.report({'v': 2})
        extra = {}
        with dbr.report_scope(extra):
            dbr.report({'w': 3})
    assert a == {'v': 2} and b == {'v': 1} and extra == {'w': 3}


def test_get_current_reporter_without_one_raises():
    with pytest.raises(RuntimeError, match='no reporter is active'):
        dbr.get_current_reporter()


def test_reporters_are_per_thread():
    r = dbr.Reporter()
    seen = {}

    def worker():
        dbr.report({'x': 1})   # no reporter in this thread: silently ignored
        seen['ok'] = True

    obs = {}
    with r.scope(obs):
        t = threading.Thread(target=worker)
        t.start()
        t.join(5)
    assert seen == {'ok': True} and obs == {}


def test_summary_mean_std_and_weights():
    s = dbr.Summary()
    for v in [1.0, dbr.Variable(numpy.array(2.0)), numpy.float32(3.0)]:
        s.add(v)
    mean, std = s.make_statistics()
    assert mean == pytest.approx(2.0) and std == pytest.approx(math.sqrt(2 / 3))
    w = dbr.Summary()
    w.add(1.0, weight=3)
    w.add(5.0, weight=1)
    assert w.compute_mean() == pytest.approx(2.0)
    with pytest.raises(ZeroDivisionError, match='nothing was added'):
        dbr.Summary().compute_mean()


def test_dict_summary_skips_non_scalars_and_round_trips(tmp_path):
    d = dbr.DictSummary()
    d.add({'loss': 1.0, 'acc': 0.5, 'image': numpy.zeros((2, 2))})
    d.add({'loss': 3.0})
    assert d.compute_mean() == {'loss': 2.0, 'acc': 0.5}
    stats = d.make_statistics()
    assert stats['loss'] == 2.0 and stats['loss.std'] == pytest.approx(1.0)
    s = dbr.serializers.DictionarySerializer()
    s.save(d)
    e = reporter_module.DictSummary()
    dbr.serializers.NpzDeserializer(s.target).load(e)
    assert e.compute_mean() == {'loss': 2.0, 'acc': 0.5}


def test_summary_of_device_scalars(xp):
    s = dbr.reporter.DictSummary()
    for v in (1.0, 2.0, 6.0):
        s.add({'loss': xp.asarray(v, numpy.float32), 'acc': dbr.Variable(xp.asarray(v / 10))})
    if xp is not numpy:   # accumulated on the device: nothing read back until the mean
        assert dbr.backend.is_gpu_array(s._summaries['loss']._x)
    stats = s.make_statistics()
    assert isinstance(stats['loss'], float)
    assert stats['loss'] == pytest.approx(3.0)
    assert stats['loss.std'] == pytest.approx(numpy.std([1.0, 2.0, 6.0]))
    assert stats['acc'] == pytest.approx(0.3)
    s.add({'vector': xp.ones(3)})   # not a scalar: ignored
    assert 'vector' not in s.compute_mean()
