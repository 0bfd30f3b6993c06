"""observe_value/observe_lr, FailOnNonNumber, ParameterStatistics, DumpGraph and
``dbr.computational_graph``."""
import re

import numpy
import pytest

import dbr
import dbr.computational_graph as cg
from dbr import backend
import dbr.functions as F
import dbr.links as L
from dbr import optimizers
from dbr.serializers import DictionarySerializer, NpzDeserializer
from dbr.training import PRIORITY_WRITER, extensions


class _Updater:
    def __init__(self, optimizers_):
        self._optimizers = optimizers_
        self.iteration = 0

    epoch = property(lambda self: self.iteration // 2)
    epoch_detail = property(lambda self: self.iteration / 2)
    previous_epoch_detail = property(lambda self: (self.iteration - 1) / 2 if self.iteration
                                     else -1.0)

    def get_optimizer(self, name):
        return self._optimizers[name]

    def get_all_optimizers(self):
        return dict(self._optimizers)


class _Trainer:
    def __init__(self, out='.', **optimizers_):
        self.updater = _Updater(optimizers_)
        self.observation = {}
        self.out = out


class _MLP(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(3, 4)
            self.l2 = L.Linear(4, 2)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


# ----- observe_value / observe_lr -------------------------------------------------------------

def test_observe_value_records_into_the_observation():
    trainer = _Trainer()
    trainer.updater.iteration = 7
    ext = extensions.observe_value('it', lambda t: t.updater.iteration * 2)
    assert ext.trigger == (1, 'epoch') and ext.priority == PRIORITY_WRITER
    ext(trainer)
    assert trainer.observation == {'it': 14}


def test_observe_lr_reads_the_named_optimizer():
    trainer = _Trainer(main=optimizers.SGD(lr=0.3).setup(L.Linear(2, 2)),
                       dis=optimizers.MomentumSGD(lr=0.02).setup(L.Linear(2, 2)))
    extensions.observe_lr()(trainer)
    extensions.observe_lr('dis', 'dis/lr')(trainer)
    assert trainer.observation == {'lr': 0.3, 'dis/lr': 0.02}


def test_observe_lr_of_adam_is_its_bias_corrected_step():
    opt = optimizers.Adam(alpha=0.01).setup(L.Linear(2, 2))
    opt.t = 1
    trainer = _Trainer(main=opt)
    extensions.observe_lr()(trainer)
    assert trainer.observation['lr'] == pytest.approx(0.01 * (1 - 0.999) ** 0.5 / (1 - 0.9))


# ----- FailOnNonNumber -------------------------------------------------------------------------

def _mlp_trainer(xp=numpy):
    model = _MLP()
    if xp is not numpy:
        model.to_gpu()
    return model, _Trainer(main=optimizers.SGD().setup(model))


def test_fail_on_nonnumber_passes_finite_parameters_and_skips_missing_grads(xp):
    model, trainer = _mlp_trainer(xp)
    model.l1.W.grad = xp.ones((4, 3), 'f')  # the other grads are None
    extensions.FailOnNonNumber()(trainer)


@pytest.mark.parametrize('bad', [numpy.nan, numpy.inf, -numpy.inf])
def test_fail_on_nonnumber_names_the_diverged_parameter(xp, bad):
    model, trainer = _mlp_trainer(xp)
    model.l1.W.grad = xp.ones((4, 3), 'f')
    model.l2.W.array[1, 2] = bad
    with pytest.raises(RuntimeError, match=r"FailOnNonNumber: the data of parameter /l2/W "
                                           r"\(optimizer 'main'\) contains NaN or Inf"):
        extensions.FailOnNonNumber()(trainer)


def test_fail_on_nonnumber_checks_gradients_unless_told_not_to():
    model, trainer = _mlp_trainer()
    model.l1.b.grad = numpy.array([0, numpy.nan, 0, 0], 'f')
    with pytest.raises(RuntimeError, match='the gradient of parameter /l1/b'):
        extensions.FailOnNonNumber()(trainer)
    extensions.FailOnNonNumber(check_grad=False)(trainer)


def test_fail_on_nonnumber_checks_every_optimizer_and_skips_uninitialized():
    lazy = L.Linear(None, 2)
    gen = L.Linear(2, 2)
    gen.b.array[0] = numpy.nan
    trainer = _Trainer(main=optimizers.SGD().setup(lazy), gen=optimizers.SGD().setup(gen))
    with pytest.raises(RuntimeError, match=r"parameter /b \(optimizer 'gen'\)"):
        extensions.FailOnNonNumber()(trainer)


# ----- ParameterStatistics ---------------------------------------------------------------------

_PERCENTILES = (0.13, 2.28, 15.87, 50, 84.13, 97.72, 99.87)


def _expected_stats(a):
    a = backend.to_cpu(a).astype(numpy.float64).ravel()
    stats = {'mean': a.mean(), 'std': a.std(), 'min': a.min(), 'max': a.max(),
             'zeros': float(numpy.sum(a == 0))}
    for i, p in enumerate(numpy.percentile(a, _PERCENTILES)):
        stats[f'percentile/{i}'] = p
    return stats


def _report(ext, trainer):
    observation = {}
    with dbr.Reporter().scope(observation):
        ext(trainer)
    return observation


def test_parameter_statistics_match_numpy(xp):
    model, trainer = _mlp_trainer(xp)
    model.name = 'net'
    model.l1.W.array[0, :2] = 0
    model.l1.W.grad = xp.asarray(numpy.random.randn(4, 3).astype('f'))
    ext = extensions.ParameterStatistics(model, trigger=(1, 'iteration'))
    trainer.updater.iteration = 1
    observation = _report(ext, trainer)

    expected = {}
    for path, param in model.namedparams():
        for attr, array in (('data', param.array), ('grad', param.grad)):
            if array is None:
                continue  # only l1/W has a gradient
            for stat, value in _expected_stats(array).items():
                expected[f'net{path}/{attr}/{stat}'] = value
    assert sorted(observation) == sorted(expected)
    for key, value in expected.items():
        assert observation[key] == pytest.approx(value, rel=1e-6, abs=1e-7), key
    assert observation['net/l1/W/data/zeros'] == 2


def test_parameter_statistics_average_until_the_trigger_fires():
    link = L.Linear(2, 2, nobias=True, initialW=numpy.zeros((2, 2), 'f'))
    link.name = 'fc'
    trainer = _Trainer()
    ext = extensions.ParameterStatistics(link, statistics={'max': numpy.max},
                                         report_grads=False, prefix='stats',
                                         trigger=(2, 'iteration'))
    trainer.updater.iteration = 1
    link.W.array[...] = 1
    assert _report(ext, trainer) == {}
    trainer.updater.iteration = 2
    link.W.array[...] = 4
    assert _report(ext, trainer) == {'stats/fc/W/data/max': 2.5}
    trainer.updater.iteration = 3
    assert _report(ext, trainer) == {}  # a fresh summary


def test_parameter_statistics_several_links_custom_statistics_and_flags():
    a = L.Linear(2, 3)
    a.name = 'a'
    b = L.Linear(3, 1, nobias=True)
    b.name = 'b'
    b.W.grad = numpy.full((1, 3), 2.0, 'f')
    ext = extensions.ParameterStatistics([a, b], statistics={}, report_params=False,
                                         trigger=(1, 'iteration'))
    ext.register_statistics('l1', lambda x: abs(x).sum())
    ext.register_statistics('first2', lambda x: x[:2])
    trainer = _Trainer()
    trainer.updater.iteration = 1
    assert _report(ext, trainer) == {'b/W/grad/l1': 6.0, 'b/W/grad/first2/0': 2.0,
                                     'b/W/grad/first2/1': 2.0}
    # register_statistics did not change the class-wide defaults
    assert sorted(extensions.ParameterStatistics.default_statistics) == [
        'max', 'mean', 'min', 'percentile', 'std', 'zeros']


def test_parameter_statistics_skip_nan_params():
    link = L.Linear(2, 2, nobias=True)
    link.name = 'fc'
    link.W.array[0, 0] = numpy.nan
    ext = extensions.ParameterStatistics(link, report_grads=False, skip_nan_params=True,
                                         trigger=(1, 'iteration'))
    trainer = _Trainer()
    trainer.updater.iteration = 1
    observation = _report(ext, trainer)
    assert sorted(observation) == sorted(f'fc/W/data/{s}' for s in
                                         ('mean', 'std', 'min', 'max', 'zeros', 'percentile'))
    assert all(numpy.isnan(v) for v in observation.values())


def test_parameter_statistics_summary_survives_a_snapshot():
    link = L.Linear(1, 1, nobias=True, initialW=numpy.ones((1, 1), 'f'))
    link.name = 'fc'
    ext = extensions.ParameterStatistics(link, statistics={'mean': numpy.mean},
                                         trigger=(2, 'iteration'))
    trainer = _Trainer()
    trainer.updater.iteration = 1
    _report(ext, trainer)
    s = DictionarySerializer()
    ext.serialize(s)
    resumed = extensions.ParameterStatistics(link, statistics={'mean': numpy.mean},
                                             trigger=(2, 'iteration'))
    resumed.serialize(NpzDeserializer(s.target))
    link.W.array[...] = 3
    trainer.updater.iteration = 2
    assert _report(resumed, trainer) == {'fc/W/data/mean': 2.0}


def test_to_host_float64_keeps_shapes_and_values(xp):
    from dbr.training.extensions._arrays import to_host_float64
    values = [xp.float32(1.5), 3, xp.arange(4, dtype=xp.int32).reshape(2, 2),
              xp.isfinite(xp.ones(2)).all(), xp.zeros((0,), 'f')]
    out = to_host_float64(values)
    assert [type(v) for v in out] == [numpy.ndarray] * 5
    assert [v.dtype for v in out] == [numpy.float64] * 5
    assert [v.tolist() for v in out] == [1.5, 3.0, [[0.0, 1.0], [2.0, 3.0]], 1.0, []]


# ----- computational graphs --------------------------------------------------------------------

def _parse_dot(text):
    nodes = dict(re.findall(r'^(\d+) \[(.*)\];$', text, re.M))
    labels = {i: re.search(r'label="([^"]*)"', attrs).group(1) for i, attrs in nodes.items()}
    edges = re.findall(r'^(\d+) -> (\d+);$', text, re.M)
    return nodes, labels, [(labels[a], labels[b]) for a, b in edges]


def test_build_computational_graph_nodes_and_edges():
    x = dbr.Variable(numpy.ones((2, 3), 'f'), name='x')
    W = dbr.Variable(numpy.ones((4, 3), 'f'), name='W')
    y = F.sum(F.relu(F.linear(x, W)))
    text = cg.build_computational_graph([y]).dump()
    assert text.startswith('digraph graphname{rankdir=TB;') and text.rstrip().endswith('}')
    nodes, labels, edges = _parse_dot(text)
    # The linear output's Variable is gone and nobody retained its array: no shape is known.
    # ReLU retained its output, and y is alive.
    assert sorted(labels.values()) == sorted([
        'x: (2, 3), float32', 'W: (4, 3), float32', 'LinearFunction', 'variable', 'ReLU',
        '(2, 4), float32', 'Sum', 'float32'])
    assert sorted(edges) == sorted([
        ('x: (2, 3), float32', 'LinearFunction'), ('W: (4, 3), float32', 'LinearFunction'),
        ('LinearFunction', 'variable'), ('variable', 'ReLU'),
        ('ReLU', '(2, 4), float32'), ('(2, 4), float32', 'Sum'), ('Sum', 'float32')])


def test_build_computational_graph_styles_names_and_rankdir():
    x = dbr.Variable(numpy.ones(3, 'f'), name='x')
    y = F.exp(x)
    nodes, labels, _ = _parse_dot(cg.build_computational_graph([y]).dump())
    by_label = {labels[i]: attrs for i, attrs in nodes.items()}
    assert by_label['x: (3), float32'] == ('label="x: (3), float32",shape="octagon",'
                                           'fillcolor="#E0E0E0",style="filled"')
    assert by_label['Exp'] == 'label="Exp",shape="record",fillcolor="#6495ED",style="filled"'

    text = cg.build_computational_graph([y], variable_style=None, function_style={'color': 'red'},
                                        rankdir='LR', show_name=False).dump()
    nodes, labels, _ = _parse_dot(text)
    by_label = {labels[i]: attrs for i, attrs in nodes.items()}
    assert text.startswith('digraph graphname{rankdir=LR;')
    assert by_label['(3), float32'] == 'label="(3), float32",shape="oval"'
    assert by_label['Exp'] == 'label="Exp",shape="box",color="red"'
    assert not any(label.startswith('x:') for label in labels.values())


def test_build_computational_graph_follows_only_what_the_outputs_depend_on():
    x = dbr.Variable(numpy.ones(2, 'f'), name='x')
    y = F.exp(x)
    z = F.tanh(x)
    _, labels, edges = _parse_dot(cg.build_computational_graph([y]).dump())
    assert 'Tanh' not in labels.values() and len(edges) == 2
    _, labels, edges = _parse_dot(cg.build_computational_graph([y, z]).dump())
    assert sorted(labels.values()) == sorted(['x: (2), float32', 'Exp', 'Tanh',
                                              '(2), float32', '(2), float32'])
    assert len(edges) == 4


def test_build_computational_graph_shared_nodes_appear_once():
    x = dbr.Variable(numpy.ones(2, 'f'), name='x')
    h = F.exp(x)
    y = F.sum(h * h + h)
    nodes, labels, edges = _parse_dot(cg.build_computational_graph([y]).dump())
    assert list(labels.values()).count('Exp') == 1
    assert list(labels.values()).count('x: (2), float32') == 1
    # h feeds Mul twice and Add once: one drawn edge per (node, function) pair
    assert sorted(edges) == sorted([
        ('x: (2), float32', 'Exp'), ('Exp', '(2), float32'), ('(2), float32', 'Mul'),
        ('Mul', 'variable'), ('(2), float32', 'Add'), ('variable', 'Add'), ('Add', 'variable'),
        ('variable', 'Sum'), ('Sum', 'float32')])


def test_build_computational_graph_plain_array_inputs_and_leaves():
    W = dbr.Variable(numpy.ones((4, 3), 'f'), name='W')
    y = F.linear(numpy.ones((2, 3), 'f'), W)  # linear keeps x for W's gradient
    _, labels, edges = _parse_dot(cg.build_computational_graph([y]).dump())
    assert ('(2, 3), float32', 'LinearFunction') in edges
    # mul keeps both inputs: the plain array's shape is known too
    t = F.exp(numpy.ones(2, 'f') * W[0, :2])
    _, labels, edges = _parse_dot(cg.build_computational_graph([t]).dump())
    assert edges.count(('(2), float32', 'Mul')) == 2
    y = F.exp(W) + numpy.ones((4, 3), 'f')  # add keeps nothing
    _, labels, edges = _parse_dot(cg.build_computational_graph([y]).dump())
    assert ('array', 'Add') in edges

    leaf = dbr.Variable(numpy.zeros((), 'f'))
    nodes, labels, edges = _parse_dot(cg.build_computational_graph([leaf]).dump())
    assert list(labels.values()) == ['float32'] and edges == []


def test_build_computational_graph_remove_variable():
    x = dbr.Variable(numpy.ones((2, 3), 'f'))
    W = dbr.Variable(numpy.ones((4, 3), 'f'))
    y = F.sum(F.relu(F.linear(x, W)))
    _, labels, edges = _parse_dot(cg.build_computational_graph([y], remove_variable=True).dump())
    assert sorted(labels.values()) == ['LinearFunction', 'ReLU', 'Sum']
    assert sorted(edges) == [('LinearFunction', 'ReLU'), ('ReLU', 'Sum')]


def test_build_computational_graph_errors():
    y = F.exp(dbr.Variable(numpy.ones(2, 'f')))
    with pytest.raises(ValueError, match="ComputationalGraph: rankdir must be one of .* got 'XY'"):
        cg.build_computational_graph([y], rankdir='XY')
    with pytest.raises(ValueError, match='remove_split=False is not supported'):
        cg.build_computational_graph([y], remove_split=False)
    with pytest.raises(TypeError, match='outputs must be Variables.*got ndarray'):
        cg.build_computational_graph([numpy.ones(2)])
    with pytest.raises(NotImplementedError, match="only format='dot' is supported, got 'png'"):
        cg.build_computational_graph([y]).dump('png')


# ----- DumpGraph -------------------------------------------------------------------------------

def _classifier_iteration(model, x, t):
    """One forward pass as the Trainer runs it: inside a reporter scope, 'main' = the model."""
    reporter = dbr.Reporter()
    reporter.add_observer('main', model)
    reporter.add_observers('main', model.namedlinks(skipself=True))
    observation = {}
    with reporter.scope(observation):
        loss = model(x, t)
        model.cleargrads()
        loss.backward()
    return observation


def test_dump_graph_writes_the_loss_graph_once_and_restores_the_flag(tmp_path):
    model = L.Classifier(_MLP())
    x = numpy.random.randn(5, 3).astype('f')
    t = numpy.array([0, 1, 1, 0, 1], 'i')
    trainer = _Trainer(out=str(tmp_path / 'result'))
    ext = extensions.DumpGraph('main/loss')
    assert ext.default_name == 'dump_graph'
    assert not dbr.config.keep_graph_on_report
    ext.initialize(trainer)
    try:
        assert dbr.config.keep_graph_on_report
        trainer.observation = _classifier_iteration(model, x, t)
        assert trainer.observation['main/loss'].creator is not None
        assert ext.trigger(trainer)
        ext(trainer)
    finally:
        dbr.config.keep_graph_on_report = False
    assert not ext.trigger(trainer)
    assert not dbr.config.keep_graph_on_report
    text = (tmp_path / 'result' / 'cg.dot').read_text()
    nodes, labels, edges = _parse_dot(text)
    assert sorted(labels.values()) == sorted([
        'float32', 'SoftmaxCrossEntropy', '(5, 2), float32', 'array',  # loss, t
        'LinearFunction', '(5, 4), float32', 'W: (2, 4), float32', 'b: (2), float32',
        'ReLU', 'variable',  # l1's output: released and not retained
        'LinearFunction', '(5, 3), float32', 'W: (4, 3), float32', 'b: (4), float32'])
    assert len(edges) == 13
    assert ('(5, 3), float32', 'LinearFunction') in edges  # x, retained by linear
    assert ('SoftmaxCrossEntropy', 'float32') in edges  # the loss
    assert 'shape="octagon"' in text and 'shape="record"' in text
    # later iterations report detached values again
    assert _classifier_iteration(model, x, t)['main/loss'].creator is None


def test_dump_graph_filename_styles_and_old_spelling(tmp_path):
    trainer = _Trainer(out=str(tmp_path))
    x = dbr.Variable(numpy.ones(2, 'f'))
    ext = extensions.dump_graph('y', out_name='g.dot', variable_style={'shape': 'box3d'},
                                function_style={'shape': 'circle'})
    ext.initialize(trainer)
    trainer.observation = {'y': F.exp(x)}
    ext(trainer)
    assert not dbr.config.keep_graph_on_report
    text = (tmp_path / 'g.dot').read_text()
    assert 'label="Exp",shape="circle"' in text and 'shape="box3d"' in text


def test_dump_graph_needs_a_variable(tmp_path):
    trainer = _Trainer(out=str(tmp_path))
    ext = extensions.DumpGraph('main/loss')
    ext.initialize(trainer)
    trainer.observation = {'main/loss': 1.0}
    with pytest.raises(TypeError, match=r"DumpGraph: observation\['main/loss'\] must be a "
                                        r"Variable, got float"):
        ext(trainer)
    assert not dbr.config.keep_graph_on_report


def test_dump_graph_resumed_after_the_dump_does_not_keep_graphs(tmp_path):
    trainer = _Trainer(out=str(tmp_path))
    ext = extensions.DumpGraph('y')
    ext.initialize(trainer)
    assert ext.trigger(trainer)
    trainer.observation = {'y': F.exp(dbr.Variable(numpy.ones(2, 'f')))}
    ext(trainer)
    s = DictionarySerializer()
    ext.serialize(s)
    resumed = extensions.DumpGraph('y')
    resumed.serialize(NpzDeserializer(s.target))
    resumed.initialize(trainer)
    assert not dbr.config.keep_graph_on_report
    assert not resumed.trigger(trainer)
    # loaded after initialize(), as an autoloading snapshot does
    autoloaded = extensions.DumpGraph('y')
    autoloaded.initialize(trainer)
    assert dbr.config.keep_graph_on_report
    autoloaded.serialize(NpzDeserializer(s.target))
    assert not dbr.config.keep_graph_on_report
    assert not autoloaded.trigger(trainer)


def test_dump_graph_restores_the_flag_when_training_ends_early(tmp_path):
    ext = extensions.DumpGraph('main/loss')
    ext.initialize(_Trainer(out=str(tmp_path)))
    assert dbr.config.keep_graph_on_report
    ext.finalize()
    assert not dbr.config.keep_graph_on_report


# ----- inside a real Trainer -------------------------------------------------------------------

class _Updater2(dbr.training.Updater):
    """One step on a fixed batch per iteration; ``poison_at`` writes a NaN into l1/W then."""

    def __init__(self, optimizer, poison_at=None):
        self._optimizer = optimizer
        self.iteration = 0
        self.poison_at = poison_at
        self.x = numpy.random.RandomState(1).randn(6, 3).astype('f')
        self.t = numpy.array([0, 1, 0, 1, 1, 0], 'i')

    epoch = property(lambda self: self.iteration // 3)
    epoch_detail = property(lambda self: self.iteration / 3)
    previous_epoch_detail = property(lambda self: (self.iteration - 1) / 3 if self.iteration
                                     else -1.0)
    is_new_epoch = property(lambda self: self.iteration > 0 and self.iteration % 3 == 0)

    def get_optimizer(self, name):
        return self._optimizer

    def get_all_optimizers(self):
        return {'main': self._optimizer}

    def update(self):
        self._optimizer.update(self._optimizer.target, self.x, self.t)
        self.iteration += 1
        if self.iteration == self.poison_at:
            self._optimizer.target.predictor.l1.W.array[0, 0] = numpy.nan

    def serialize(self, serializer):
        self.iteration = serializer('iteration', self.iteration)


def test_dump_graph_parameter_statistics_and_fail_on_nonnumber_in_a_trainer(tmp_path):
    model = L.Classifier(_MLP())
    updater = _Updater2(optimizers.SGD(lr=0.1).setup(model))
    trainer = dbr.training.Trainer(updater, (2, 'epoch'), out=str(tmp_path))
    trainer.extend(extensions.DumpGraph('main/loss'))
    trainer.extend(extensions.FailOnNonNumber())
    trainer.extend(extensions.ParameterStatistics(model.predictor, {'mean': numpy.mean},
                                                  report_grads=False))
    trainer.extend(extensions.LogReport(log_name=None))
    trainer.run()
    assert not dbr.config.keep_graph_on_report
    _, labels, _ = _parse_dot((tmp_path / 'cg.dot').read_text())
    assert 'SoftmaxCrossEntropy' in labels.values() and 'W: (4, 3), float32' in labels.values()
    log = trainer.get_extension('LogReport').log
    assert len(log) == 2 and 'predictor/l1/W/data/mean' in log[0]


def test_fail_on_nonnumber_stops_a_trainer(tmp_path):
    model = L.Classifier(_MLP())
    updater = _Updater2(optimizers.SGD(lr=0.1).setup(model), poison_at=4)
    trainer = dbr.training.Trainer(updater, (3, 'epoch'), out=str(tmp_path))
    trainer.extend(extensions.FailOnNonNumber())
    with pytest.raises(RuntimeError, match='parameter /predictor/l1/W'):
        trainer.run(show_loop_exception_msg=False)
    assert updater.iteration == 4


# ----- MicroAverage / unchain_variables ---------------------------------------------------------

def _run_micro_average(ext, trainer, observations):
    """Calls ``ext`` at iterations 1, 2, ... inside a reporter scope; returns what it reported."""
    results = {}
    for i, obs in enumerate(observations, 1):
        trainer.updater.iteration = i
        trainer.observation = dict(obs)
        with dbr.Reporter().scope(trainer.observation):
            ext(trainer)
        if 'main/accuracy' in trainer.observation:
            results[i] = trainer.observation['main/accuracy']
    return results


def test_micro_average_is_a_ratio_of_sums_over_each_interval():
    ext = extensions.MicroAverage('main/correct', 'main/total', 'main/accuracy')
    assert ext.priority == extensions.MicroAverage.PRIORITY_EDITOR
    trainer = _Trainer()  # two iterations per epoch
    correct = dbr.Variable(numpy.array(1, numpy.int64))  # values may be Variables or arrays
    observations = [{'main/correct': 3, 'main/total': 4},
                    {'main/correct': correct, 'main/total': numpy.array(2)},
                    {},  # nothing reported: neither summed nor does the trigger advance
                    {'main/correct': 5.0, 'main/total': 5}]
    # epoch 1: (3 + 1) / (4 + 2), not the mean of the ratios (0.625)
    assert _run_micro_average(ext, trainer, observations) == {2: pytest.approx(4 / 6), 4: 1.0}


def test_micro_average_state_survives_a_snapshot_and_names_a_zero_denominator():
    ext = extensions.MicroAverage('main/correct', 'main/total', 'main/accuracy')
    trainer = _Trainer()
    _run_micro_average(ext, trainer, [{'main/correct': 1, 'main/total': 4}])
    s = DictionarySerializer()
    ext.serialize(s)
    resumed = extensions.MicroAverage('main/correct', 'main/total', 'main/accuracy')
    resumed.serialize(NpzDeserializer(s.target))
    trainer.updater.iteration = 2
    trainer.observation = {'main/correct': 2, 'main/total': 2}
    with dbr.Reporter().scope(trainer.observation):
        resumed(trainer)
    assert trainer.observation['main/accuracy'] == pytest.approx(3 / 6)
    zero = extensions.MicroAverage('main/correct', 'main/total', 'main/accuracy',
                                   trigger=(1, 'iteration'))
    with pytest.raises(ZeroDivisionError, match="MicroAverage: the sum of 'main/total' is 0"):
        _run_micro_average(zero, _Trainer(), [{'main/correct': 0, 'main/total': 0}])


def test_unchain_variables_frees_reported_graphs_when_they_were_kept():
    trainer = _Trainer()
    ext = extensions.unchain_variables()
    assert ext.priority == 0
    x = dbr.Variable(numpy.ones(3, numpy.float32))
    try:
        dbr.config.keep_graph_on_report = True
        ext.initialize(trainer)
        y = F.exp(x)
        trainer.observation = {'y': y, 'n': 1.0}
        assert ext.trigger(trainer)
        ext(trainer)
        assert y.creator is None and trainer.observation['n'] == 1.0
        dbr.config.keep_graph_on_report = False
    finally:
        dbr.config.keep_graph_on_report = False
    assert ext.trigger(trainer)  # the flag was on during that iteration
    assert not ext.trigger(trainer)
