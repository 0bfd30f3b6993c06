"""Tests of ``L.Classifier``: loss, accuracy, reports, label keys, training on a device."""
import io

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import backend
from dbr import optimizers
from dbr import serializers

from _link_helpers import to_cpu


def _data(xp=numpy, n=6, d=4, classes=3):
    x = numpy.random.uniform(-1, 1, (n, d)).astype(numpy.float32)
    t = numpy.random.randint(0, classes, n).astype(numpy.int32)
    return xp.asarray(x), xp.asarray(t)


def _observe(model, *args, **kwargs):
    """Calls ``model`` inside a reporter scope that knows it as ``main``."""
    reporter = dbr.Reporter()
    reporter.add_observer('main', model)
    observation = {}
    with reporter.scope(observation):
        loss = model(*args, **kwargs)
    return loss, observation


class _TwoInputs(dbr.Chain):
    """A predictor of two inputs: ``Linear(a) + Linear(b)``."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.la = L.Linear(4, 3)
            self.lb = L.Linear(2, 3)

    def forward(self, a, b):
        return self.la(a) + self.lb(b)


class _MLP(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(None, 8)
            self.l2 = L.Linear(8, 3)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


def test_classifier_loss_accuracy_and_reports(xp):
    model = L.Classifier(L.Linear(4, 3)).to_device('@numpy' if xp is numpy else '@cupy:0')
    x, t = _data(xp)
    loss, observation = _observe(model, x, t)
    y = model.predictor(x)
    numpy.testing.assert_array_equal(to_cpu(model.y), to_cpu(y))
    numpy.testing.assert_allclose(to_cpu(loss), to_cpu(F.softmax_cross_entropy(y, t)), rtol=1e-6)
    numpy.testing.assert_allclose(to_cpu(model.accuracy), to_cpu(F.accuracy(y, t)))
    assert model.loss is loss and loss.shape == ()
    assert set(observation) == {'main/loss', 'main/accuracy'}
    assert float(to_cpu(observation['main/loss'])) == float(to_cpu(loss))
    assert float(to_cpu(observation['main/accuracy'])) == float(to_cpu(model.accuracy))
    # reported values are detached from the graph; the returned loss is not
    assert observation['main/loss'].creator is None and loss.creator is not None


def test_classifier_without_a_reporter_and_gradients():
    model = L.Classifier(L.Linear(4, 3))
    x, t = _data()
    model.cleargrads()
    model(x, t).backward()
    assert model.predictor.W.grad is not None and model.predictor.b.grad is not None
    assert [path for path, _ in model.namedparams()] == ['/predictor/W', '/predictor/b']


def test_classifier_compute_accuracy_false():
    model = L.Classifier(L.Linear(4, 3))
    model.compute_accuracy = False
    loss, observation = _observe(model, *_data())
    assert model.accuracy is None
    assert list(observation) == ['main/loss'] and loss is model.loss
    assert L.Classifier.compute_accuracy is True


def test_classifier_custom_loss_and_accuracy_functions():
    calls = []

    def lossfun(y, t):
        calls.append('loss')
        return F.mean_squared_error(y, t)

    def accfun(y, t):
        calls.append('acc')
        return F.r2_score(y, t)

    model = L.Classifier(L.Linear(4, 3), lossfun=lossfun, accfun=accfun)
    x = numpy.random.uniform(-1, 1, (5, 4)).astype(numpy.float32)
    t = numpy.random.uniform(-1, 1, (5, 3)).astype(numpy.float32)
    loss, observation = _observe(model, x, t)
    y = model.predictor(x).array
    numpy.testing.assert_allclose(loss.array, ((y - t) ** 2).mean(), rtol=1e-5)
    assert calls == ['loss', 'acc']
    assert float(observation['main/accuracy'].array) == float(model.accuracy.array)


@pytest.mark.parametrize('label_key, args, kwargs', [
    (-1, ('a', 'b', 't'), {}),
    (2, ('a', 'b', 't'), {}),
    (0, ('t', 'a', 'b'), {}),
    (-3, ('t', 'a', 'b'), {}),
    (1, ('a', 't'), {'b': 'b'}),
    ('t', ('a',), {'b': 'b', 't': 't'}),
    ('label', (), {'a': 'a', 'label': 't', 'b': 'b'}),
])
def test_classifier_label_key(label_key, args, kwargs):
    a = numpy.random.uniform(-1, 1, (5, 4)).astype(numpy.float32)
    b = numpy.random.uniform(-1, 1, (5, 2)).astype(numpy.float32)
    t = numpy.array([0, 1, 2, 1, 0], numpy.int32)
    values = {'a': a, 'b': b, 't': t}
    model = L.Classifier(_TwoInputs(), label_key=label_key)
    loss = model(*[values[k] for k in args], **{k: values[v] for k, v in kwargs.items()})
    expected = F.softmax_cross_entropy(model.predictor(a, b), t)
    numpy.testing.assert_allclose(loss.array, expected.array, rtol=1e-6)


def test_classifier_label_key_errors():
    for key in (1.0, None, True, ('t',)):
        with pytest.raises(TypeError, match='Classifier: label_key must be an int or a str'):
            L.Classifier(L.Linear(4, 3), label_key=key)
    x, t = _data()
    with pytest.raises(ValueError, match=r'Classifier: label_key 2 is out of bounds for 2 '
                                         r'positional arguments'):
        L.Classifier(L.Linear(4, 3), label_key=2)(x, t)
    with pytest.raises(ValueError, match=r'Classifier: label_key -3 is out of bounds'):
        L.Classifier(L.Linear(4, 3), label_key=-3)(x, t)
    with pytest.raises(ValueError, match=r"Classifier: label_key 't' is not among the keyword "
                                         r"arguments \['x'\]"):
        L.Classifier(L.Linear(4, 3), label_key='t')(x=x)


def test_classifier_attributes_are_reset_on_each_call():
    model = L.Classifier(L.Linear(4, 3))
    x, t = _data()
    model(x, t)
    first = model.y, model.loss, model.accuracy
    model(x[:2], t[:2])
    assert model.y.shape == (2, 3)
    assert all(new is not old for new, old in zip((model.y, model.loss, model.accuracy), first))
    with pytest.raises(ValueError, match='softmax_cross_entropy'):
        model(x, numpy.full(6, 7, numpy.int32))  # a label out of range
    assert model.loss is None and model.accuracy is None


def test_classifier_save_load_and_copy():
    model = L.Classifier(_MLP())
    x, t = _data()
    loss = model(x, t).array
    buf = io.BytesIO()
    serializers.save_npz(buf, model)
    fresh = L.Classifier(_MLP())  # its l1 is still lazy
    buf.seek(0)
    serializers.load_npz(buf, fresh)
    assert fresh(x, t).array == loss
    copied = model.copy('copy')
    assert copied.predictor is not model.predictor and copied(x, t).array == loss


def test_classifier_mlp_trains_one_step_on_the_device_like_on_the_host(xp):
    host = L.Classifier(_MLP())
    x, t = _data(n=16)
    host(x, t)  # creates the lazy weights, so that the copy starts from the same ones
    device = host.copy('copy').to_device('@numpy' if xp is numpy else '@cupy:0')
    results = []
    for model, (xs, ts) in ((host, (x, t)), (device, (xp.asarray(x), xp.asarray(t)))):
        optimizer = optimizers.SGD(lr=0.5).setup(model)
        before = model.predictor.l1.W.array.copy()
        optimizer.update(model, xs, ts)
        assert backend.get_array_module(model.predictor.l1.W.array) is backend.get_array_module(xs)
        assert not numpy.array_equal(to_cpu(model.predictor.l1.W), to_cpu(before))
        results.append([to_cpu(p) for p in model.params()] + [to_cpu(model(xs, ts))])
    for a, b in zip(*results):
        numpy.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
