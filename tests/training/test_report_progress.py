"""PrintReport, ProgressBar and PlotReport: what they print, draw or warn."""
import io
import json
import re
import sys
import types
import warnings

import numpy
import pytest

import dbr
import dbr.links as L
from dbr import optimizers
from dbr.serializers import DictionarySerializer, NpzDeserializer
from dbr.training import extensions
from dbr.training.extensions import plot_report
from dbr.training.triggers import IntervalTrigger


class _Updater:
    """Counts iterations; ``ratio`` epochs pass per iteration (batch size / dataset size)."""

    def __init__(self, ratio):
        self.iteration = 0
        self.ratio = ratio

    @property
    def epoch_detail(self):
        return self.iteration * self.ratio

    @property
    def previous_epoch_detail(self):
        return (self.iteration - 1) * self.ratio if self.iteration else -1.0

    @property
    def epoch(self):
        return int(self.epoch_detail + 1e-9)


class _Trainer:
    def __init__(self, stop=(3, 'epoch'), ratio=0.25, out='.'):
        self.updater = _Updater(ratio)
        self.stop_trigger = IntervalTrigger(*stop)
        self.observation = {}
        self.out = out
        self.extensions = {}

    def get_extension(self, name):
        return self.extensions[name]

    def step(self, **observation):
        self.updater.iteration += 1
        self.observation = observation


class _Log:
    """Stands for a LogReport: only ``log`` is read."""

    def __init__(self, log=()):
        self.log = list(log)


def _last_screen_lines(text):
    """What a terminal shows on each line: the text after the last carriage return."""
    return [line.split('\r')[-1] for line in text.split('\n')]


# ----- PrintReport -----------------------------------------------------------------------------

def test_print_report_header_and_rows():
    out = io.StringIO()
    entries = ['epoch', 'main/loss', 'validation/main/accuracy']
    trainer = _Trainer()
    log = trainer.extensions['LogReport'] = _Log()
    ext = extensions.PrintReport(entries, out=out)
    ext(trainer)
    assert out.getvalue() == 'epoch       main/loss   validation/main/accuracy\n'
    log.log.append({'epoch': 1, 'main/loss': 0.25, 'validation/main/accuracy': 0.875})
    log.log.append({'epoch': 2, 'main/loss': 1.5e-7})  # no accuracy: blank cell
    ext(trainer)
    lines = out.getvalue().split('\n')
    assert lines[1] == '1           0.25        0.875                     '
    assert lines[2] == '2           1.5e-07     ' + ' ' * 26
    assert lines[3] == ''
    # Nothing new in the log: nothing printed, and the header only once.
    before = out.getvalue()
    ext(trainer)
    assert out.getvalue() == before
    assert before.count('validation/main/accuracy') == 1


def test_print_report_non_numeric_value_is_printed_as_text():
    out = io.StringIO()
    trainer = _Trainer()
    trainer.extensions['LogReport'] = _Log([{'epoch': 1, 'note': 'warm'}])
    extensions.PrintReport(['epoch', 'note'], out=out)(trainer)
    assert out.getvalue().split('\n')[1] == '1           warm        '


def test_print_report_with_its_own_log_report_instance():
    out = io.StringIO()
    trainer = _Trainer(ratio=0.5)
    trainer.elapsed_time = 1.0
    log_report = extensions.LogReport(trigger=(1, 'epoch'), filename=None, log_name=None)
    ext = extensions.PrintReport(['epoch', 'iteration', 'main/loss'], log_report=log_report,
                                 out=out)
    for loss in (1.0, 3.0, 5.0, 7.0):
        trainer.step(**{'main/loss': loss})
        ext(trainer)
    rows = out.getvalue().split('\n')[1:-1]
    assert rows == ['1           2           2           ', '2           4           6           ']


def test_print_report_serializes_an_owned_log_report():
    trainer = _Trainer(ratio=1.0)
    trainer.elapsed_time = 0.0
    log_report = extensions.LogReport(log_name=None)
    ext = extensions.PrintReport(['main/loss'], log_report=log_report, out=io.StringIO())
    trainer.step(**{'main/loss': 2.0})
    ext(trainer)
    saved = DictionarySerializer()
    ext.serialize(saved)
    fresh_log = extensions.LogReport(log_name=None)
    extensions.PrintReport(['main/loss'], log_report=fresh_log).serialize(
        NpzDeserializer(saved.target))
    assert fresh_log.log == log_report.log


def test_print_report_rejects_a_wrong_log_report():
    ext = extensions.PrintReport(['epoch'], log_report=3, out=io.StringIO())
    with pytest.raises(TypeError, match='PrintReport: log_report must be .* got int'):
        ext(_Trainer())


def test_print_report_default_stream_is_the_current_stdout(capsys):
    trainer = _Trainer()
    trainer.extensions['LogReport'] = _Log([{'epoch': 1}])
    extensions.PrintReport(['epoch'])(trainer)
    assert capsys.readouterr().out == 'epoch     \n1           \n'


# ----- ProgressBar -----------------------------------------------------------------------------

def _run_bar(trainer, bar, n, loss=lambda i: 1.0 / i):
    bar.initialize(trainer)
    for i in range(1, n + 1):
        trainer.step(**{'main/loss': dbr.Variable(numpy.array(loss(i), 'f'))})
        bar(trainer)


def test_progress_bar_iterations_total_eta_and_loss():
    out = io.StringIO()
    trainer = _Trainer(stop=(10, 'iteration'))
    bar = extensions.ProgressBar(update_interval=5, out=out)
    _run_bar(trainer, bar, 10, loss=lambda i: 0.125 * i)
    bar.finalize()
    screens = [s for s in out.getvalue().split('\r') if s.strip()]
    assert any('5/10' in s and 'main/loss=0.625' in s for s in screens)
    last = screens[-1]
    assert '100%' in last and '10/10' in last and 'main/loss=1.25' in last
    assert 'epoch=2' in last  # 10 iterations at 4 per epoch
    assert re.search(r'\[\d\d:\d\d<\d\d:\d\d', last)  # elapsed < ETA
    assert out.getvalue().endswith('\n')  # closed: the final bar stays on its own line


def test_progress_bar_draws_only_every_update_interval():
    out = io.StringIO()
    trainer = _Trainer(stop=(10, 'iteration'))
    bar = extensions.ProgressBar(update_interval=3, out=out)
    _run_bar(trainer, bar, 7)
    shown = set(re.findall(r'(\d+)/10', out.getvalue()))
    assert shown == {'1', '3', '6'}  # opened at the first call, then every 3 iterations
    bar.finalize()  # shows where training stopped
    assert '7/10' in out.getvalue()


@pytest.mark.parametrize('ratio, epochs, total', [(0.25, 3, 12), (0.3, 2, 7), (0.1, 1.5, 15)])
def test_progress_bar_epoch_length_counts_iterations(ratio, epochs, total):
    out = io.StringIO()
    trainer = _Trainer(stop=(epochs, 'epoch'), ratio=ratio)
    bar = extensions.ProgressBar(update_interval=1, out=out)
    _run_bar(trainer, bar, 2)
    bar.finalize()
    assert f'2/{total}' in out.getvalue()
    assert f'epoch=0/{epochs}' in out.getvalue()


def test_progress_bar_training_length_argument_wins_over_the_stop_trigger():
    out = io.StringIO()
    trainer = _Trainer(stop=(3, 'epoch'))
    bar = extensions.ProgressBar(training_length=(20, 'iteration'), update_interval=1, out=out)
    _run_bar(trainer, bar, 1)
    bar.finalize()
    assert '1/20' in out.getvalue()


def test_progress_bar_bar_length():
    out = io.StringIO()
    trainer = _Trainer(stop=(4, 'iteration'))
    bar = extensions.ProgressBar(update_interval=1, bar_length=20, out=out)
    _run_bar(trainer, bar, 2)
    bar.finalize()
    widths = {len(m) for m in re.findall(r'%\|([^|]*)\|', out.getvalue())}
    assert widths == {20}


def test_progress_bar_resumed_run_starts_at_the_restored_iteration():
    out = io.StringIO()
    trainer = _Trainer(stop=(12, 'iteration'))
    bar = extensions.ProgressBar(update_interval=1, out=out)
    bar.initialize(trainer)
    trainer.updater.iteration = 6  # a snapshot is loaded after the extensions' initialize
    for _ in range(2):
        trainer.step(**{'main/loss': 0.5})
        bar(trainer)
    bar.finalize()
    assert sorted(set(re.findall(r'(\d+)/12', out.getvalue()))) == ['7', '8']
    assert '0/12' not in out.getvalue() and '6/12' not in out.getvalue()


def test_progress_bar_without_a_known_length_counts_iterations():
    out = io.StringIO()
    trainer = _Trainer()
    trainer.stop_trigger = lambda trainer: False  # no get_training_length
    bar = extensions.ProgressBar(update_interval=1, out=out)
    _run_bar(trainer, bar, 3)
    bar.finalize()
    assert '3iter' in out.getvalue() and '%|' not in out.getvalue()


def test_progress_bar_without_loss_and_created_lazily():
    out = io.StringIO()
    trainer = _Trainer(stop=(2, 'iteration'))
    bar = extensions.ProgressBar(update_interval=1, out=out)
    trainer.step()
    bar(trainer)  # no initialize() call: the bar opens at the first call
    bar.finalize()
    assert '1/2' in out.getvalue() and 'loss' not in out.getvalue()


def test_progress_bar_arguments_are_checked():
    with pytest.raises(ValueError, match='ProgressBar: update_interval must be positive'):
        extensions.ProgressBar(update_interval=0)
    bar = extensions.ProgressBar(training_length=(3, 'epochs'), out=io.StringIO())
    trainer = _Trainer()
    trainer.step()
    with pytest.raises(ValueError, match="ProgressBar: .*unit must be 'epoch' or 'iteration', "
                                         "got 'epochs'"):
        bar(trainer)


def test_print_report_rows_go_above_the_progress_bar():
    out = io.StringIO()
    trainer = _Trainer(stop=(8, 'iteration'), ratio=0.25)
    log = trainer.extensions['LogReport'] = _Log()
    bar = extensions.ProgressBar(update_interval=1, out=out)
    printer = extensions.PrintReport(['epoch', 'iteration'], out=out)
    bar.initialize(trainer)
    for i in range(1, 9):
        trainer.step(**{'main/loss': 0.5})
        if i % 4 == 0:
            log.log.append({'epoch': i // 4, 'iteration': i})
        printer(trainer)
        bar(trainer)
    bar.finalize()
    lines = _last_screen_lines(out.getvalue())
    assert lines[:3] == ['epoch       iteration ', '1           4           ',
                         '2           8           ']
    assert '8/8' in lines[3] and lines[4] == ''


# ----- PlotReport ------------------------------------------------------------------------------

def test_plot_report_warns_once_and_does_nothing_without_matplotlib(tmp_path, monkeypatch):
    from dbr.training.extensions import plot_report
    monkeypatch.setitem(sys.modules, 'matplotlib', None)   # absent, even where it is installed
    monkeypatch.setattr(plot_report, '_available', None)
    assert not extensions.PlotReport.available()
    with pytest.warns(UserWarning, match='PlotReport: matplotlib is not installed'):
        ext = extensions.PlotReport(['main/loss'], 'epoch', trigger=(1, 'iteration'),
                                    filename='loss.png')
    trainer = _Trainer(out=str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no second warning
        for _ in range(3):
            trainer.step(**{'main/loss': 1.0})
            ext(trainer)
    assert list(tmp_path.iterdir()) == []


def _fake_matplotlib(monkeypatch, saved):
    """Installs a stand-in ``matplotlib`` recording what would be drawn and saved."""

    class Axes:
        def __init__(self):
            self.lines = []
            self.xlabel = None
            self.grid_on = False

        def set_xlabel(self, label):
            self.xlabel = label

        def grid(self):
            self.grid_on = True

        def plot(self, xs, ys, marker=None, label=None):
            self.lines.append((label, list(xs), list(ys), marker))

        def has_data(self):
            return bool(self.lines)

        def legend(self, **kwargs):
            return 'legend'

    class Figure:
        def add_subplot(self, *args):
            self.axes = Axes()
            return self.axes

        def savefig(self, path, **kwargs):
            saved.append((path, self.axes))

    matplotlib = types.ModuleType('matplotlib')
    figure = types.ModuleType('matplotlib.figure')
    figure.Figure = Figure
    matplotlib.figure = figure
    monkeypatch.setitem(sys.modules, 'matplotlib', matplotlib)
    monkeypatch.setitem(sys.modules, 'matplotlib.figure', figure)
    monkeypatch.setattr(plot_report, '_available', None)


def test_plot_report_plots_the_means_at_each_trigger(monkeypatch, tmp_path):
    saved = []
    _fake_matplotlib(monkeypatch, saved)
    assert extensions.PlotReport.available()
    seen = []
    ext = extensions.PlotReport(['main/loss', 'main/acc'], 'epoch', trigger=(1, 'epoch'),
                                filename='p.png', postprocess=lambda f, a, s: seen.append(a))
    trainer = _Trainer(ratio=0.5, out=str(tmp_path))
    for loss in (1.0, 3.0, 2.0, 6.0):
        trainer.step(**{'main/loss': numpy.float32(loss)})
        ext(trainer)
    assert len(saved) == 2
    path, axes = saved[-1]
    assert path == str(tmp_path / 'p.png')
    assert axes.xlabel == 'epoch' and axes.grid_on and seen == [saved[0][1], axes]
    assert axes.lines == [('main/loss', [1, 2], [2.0, 4.0], 'x')]  # main/acc never observed

    # The plotted series survive a snapshot.
    s = DictionarySerializer()
    ext.serialize(s)
    fresh = extensions.PlotReport(['main/loss', 'main/acc'], 'epoch', filename='p.png')
    fresh.serialize(NpzDeserializer(s.target))
    assert fresh._data == {'main/loss': [(1, 2.0), (2, 4.0)], 'main/acc': []}
    assert json.loads(str(s.target['_plot_p.png'])) == {'main/loss': [[1, 2.0], [2, 4.0]],
                                                         'main/acc': []}


# ----- inside a real Trainer -------------------------------------------------------------------

class _FixedBatchUpdater(dbr.training.Updater):
    """One SGD step on a fixed batch per iteration; 4 iterations make an epoch."""

    def __init__(self, optimizer):
        self._optimizer = optimizer
        self.iteration = 0
        rng = numpy.random.RandomState(0)
        self.x = rng.randn(8, 3).astype(numpy.float32)
        self.t = (self.x.sum(axis=1) > 0).astype(numpy.int32)

    epoch = property(lambda self: self.iteration // 4)
    epoch_detail = property(lambda self: self.iteration / 4)
    previous_epoch_detail = property(lambda self: (self.iteration - 1) / 4 if self.iteration
                                     else -1.0)
    is_new_epoch = property(lambda self: self.iteration > 0 and self.iteration % 4 == 0)

    def get_optimizer(self, name):
        return self._optimizer

    def get_all_optimizers(self):
        return {'main': self._optimizer}

    def update(self):
        self._optimizer.update(self._optimizer.target, self.x, self.t)
        self.iteration += 1

    def serialize(self, serializer):
        self.iteration = serializer('iteration', self.iteration)


def test_print_report_and_progress_bar_in_a_trainer(tmp_path):
    model = L.Classifier(L.Linear(3, 2))
    optimizer = optimizers.SGD(lr=0.1).setup(model)
    trainer = dbr.training.Trainer(_FixedBatchUpdater(optimizer), (3, 'epoch'),
                                   out=str(tmp_path))
    out = io.StringIO()
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.PrintReport(['epoch', 'iteration', 'main/loss'], out=out))
    trainer.extend(extensions.ProgressBar(update_interval=2, out=out))
    trainer.run()
    log = trainer.get_extension('LogReport').log
    lines = _last_screen_lines(out.getvalue())
    assert lines[0] == 'epoch       iteration   main/loss '
    for row, entry in zip(lines[1:4], log):
        assert row == f"{entry['epoch']:<10g}  {entry['iteration']:<10g}  " \
                      f"{entry['main/loss']:<10g}  "
    assert '100%' in lines[4] and '12/12' in lines[4] and 'epoch=3/3' in lines[4]
    assert 'main/loss=' in lines[4]
