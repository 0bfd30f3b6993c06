"""Optimizer-attribute schedules: values against their formulas, targets, and exact resume."""
import math

import numpy
import pytest

import dbr
import dbr.links as L
from dbr import optimizers
from dbr.serializers import DictionarySerializer, NpzDeserializer, load_npz, save_npz
from dbr.training import extensions


class _Updater:
    def __init__(self, optimizers_):
        self._optimizers = optimizers_
        self.iteration = 0

    def get_optimizer(self, name):
        return self._optimizers[name]

    def get_all_optimizers(self):
        return dict(self._optimizers)


class _Trainer:
    def __init__(self, **optimizers_):
        self.updater = _Updater(optimizers_)
        self.observation = {}


def _optimizer(cls=optimizers.MomentumSGD, **kwargs):
    return cls(**kwargs).setup(L.Linear(2, 2))


def _schedule(ext, optimizer, n, attr='lr', trainer=None):
    """The attribute before training, then after each of ``n`` calls."""
    trainer = trainer or _Trainer(main=optimizer)
    ext.initialize(trainer)
    values = [getattr(optimizer, attr)]
    for _ in range(n):
        ext(trainer)
        values.append(getattr(optimizer, attr))
    return values


# ----- values against the formulas ------------------------------------------------------------

def test_exponential_shift():
    opt = _optimizer(lr=0.3)
    values = _schedule(extensions.ExponentialShift('lr', 0.9), opt, 6)
    assert values == [0.3 * 0.9 ** t for t in range(7)]


@pytest.mark.parametrize('rate, init, target, expected', [
    (0.5, 1.0, 0.2, [1.0, 0.5, 0.25, 0.2, 0.2]),
    (2.0, 1.0, 5.0, [1.0, 2.0, 4.0, 5.0, 5.0]),
    (0.5, -1.0, -0.2, [-1.0, -0.5, -0.25, -0.2, -0.2]),  # negative values stop at the target too
    (0.5, 1.0, 0.0, [1.0, 0.5, 0.25, 0.125, 0.0625]),   # a zero target is never passed
])
def test_exponential_shift_target(rate, init, target, expected):
    opt = _optimizer()
    assert _schedule(extensions.ExponentialShift('lr', rate, init, target), opt, 4) == expected


def test_exponential_shift_reads_init_from_the_optimizer_and_adam_alpha():
    opt = _optimizer(optimizers.Adam, alpha=0.004)
    values = _schedule(extensions.ExponentialShift('alpha', 0.5), opt, 3, attr='alpha')
    assert values == [0.004, 0.002, 0.001, 0.0005]


def test_exponential_shift_rejects_a_negative_rate():
    with pytest.raises(ValueError, match='ExponentialShift: rate must be non-negative, got -0.5'):
        extensions.ExponentialShift('lr', -0.5)


def test_linear_shift():
    opt = _optimizer(lr=0.5)
    values = _schedule(extensions.LinearShift('lr', (1.0, 3.0), (2, 6)), opt, 8)

    def expected(t):
        if t <= 2:
            return 1.0
        if t >= 6:
            return 3.0
        return 1.0 + (t - 2) / (6 - 2) * (3.0 - 1.0)
    assert values == [expected(t) for t in range(9)]
    assert values[4] == 2.0


def test_linear_shift_of_momentum():
    opt = _optimizer(momentum=0.5)
    values = _schedule(extensions.LinearShift('momentum', (0.5, 0.9), (0, 4)), opt, 5,
                       attr='momentum')
    assert values == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9, 0.9], abs=1e-15)


def test_warmup_shift():
    opt = _optimizer(lr=0.7)
    values = _schedule(extensions.WarmupShift('lr', 0.01, 4, 0.1), opt, 7)
    expected = [0.01] + [(t * 0.1 + (4 - t) * 0.01) / 4 for t in range(1, 5)]
    assert values[:5] == expected
    assert values[5:] == [values[4]] * 3  # unchanged after the warm-up
    assert values[4] == pytest.approx(0.1, abs=1e-17)


def test_warmup_shift_warms_up_to_the_optimizer_value():
    opt = _optimizer(lr=0.2)
    values = _schedule(extensions.WarmupShift('lr', 0.0, 2), opt, 3)
    assert values == [0.0, 0.1, 0.2, 0.2]


def test_warmup_shift_start_none_reads_the_optimizer():
    opt = _optimizer(lr=0.2)
    values = _schedule(extensions.WarmupShift('lr', None, 2, 0.4), opt, 2)
    assert values == [0.2, (0.4 + 0.2) / 2, (2 * 0.4) / 2]


def test_step_shift():
    opt = _optimizer(lr=0.8)
    values = _schedule(extensions.StepShift('lr', 0.5, 3), opt, 10)
    assert values == [0.8 * 0.5 ** math.floor(t / 3) for t in range(11)]
    assert values[2] == 0.8 and values[3] == 0.4 and values[9] == 0.1


@pytest.mark.parametrize('gamma, target, expected', [
    (0.5, 0.3, [1.0, 1.0, 0.5, 0.5, 0.3, 0.3, 0.3]),
    (3.0, 5.0, [1.0, 1.0, 3.0, 3.0, 5.0, 5.0, 5.0]),
])
def test_step_shift_target(gamma, target, expected):
    opt = _optimizer()
    assert _schedule(extensions.StepShift('lr', gamma, 2, 1.0, target), opt, 6) == expected


def test_polynomial_shift():
    opt = _optimizer(lr=0.2)
    values = _schedule(extensions.PolynomialShift('lr', 0.9, 10), opt, 12)
    assert values == [0.2 * max(1 - t / 10, 0) ** 0.9 for t in range(13)]
    assert values[10:] == [0.0, 0.0, 0.0]


def test_polynomial_shift_target_also_after_reaching_zero():
    opt = _optimizer()
    values = _schedule(extensions.PolynomialShift('lr', 1.0, 4, 1.0, 0.3), opt, 5)
    assert values == [1.0, 0.75, 0.5, 0.3, 0.3, 0.3]


def test_inverse_shift():
    opt = _optimizer(lr=0.01)
    values = _schedule(extensions.InverseShift('lr', 0.1, 0.75), opt, 5)
    assert values == [0.01 * (1 + 0.1 * t) ** -0.75 for t in range(6)]
    opt = _optimizer()
    values = _schedule(extensions.InverseShift('lr', 1.0, 1.0, 1.0, 0.3), opt, 3)
    assert values == [1.0, 0.5, 1 / 3, 0.3]


def test_multistep_shift():
    opt = _optimizer(lr=0.5)
    values = _schedule(extensions.MultistepShift('lr', 0.1, (2, 5), 1.0), opt, 7)
    assert values == [1.0, 1.0, 0.1, 0.1, 0.1, 0.1 ** 2, 0.1 ** 2, 0.1 ** 2]


@pytest.mark.parametrize('make, message', [
    (lambda: extensions.StepShift('lr', 0.5, 0), 'StepShift: step must be positive, got 0'),
    (lambda: extensions.PolynomialShift('lr', 0.9, 0),
     'PolynomialShift: max_count must be positive, got 0'),
    (lambda: extensions.WarmupShift('lr', 0.0, 0, 0.1),
     'WarmupShift: warmup_iter must be positive, got 0'),
    (lambda: extensions.InverseShift('lr', -1.0, 0.5),
     'InverseShift: gamma must be non-negative, got -1.0'),
])
def test_shift_arguments_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_shift_of_a_named_optimizer_leaves_main_alone():
    main = _optimizer(lr=1.0)
    other = _optimizer(lr=1.0)
    trainer = _Trainer(main=main, other=other)
    ext = extensions.ExponentialShift('lr', 0.5, optimizer=other)
    ext.initialize(trainer)
    ext(trainer)
    assert other.lr == 0.5 and main.lr == 1.0


def test_shift_changes_the_update_step():
    link = L.Linear(1, 1, nobias=True, initialW=numpy.ones((1, 1), 'f'))
    opt = optimizers.SGD(lr=1.0).setup(link)
    trainer = _Trainer(main=opt)
    ext = extensions.ExponentialShift('lr', 0.5)
    ext.initialize(trainer)
    ext(trainer)
    link.cleargrads()
    link.W.grad = numpy.ones((1, 1), 'f')
    opt.update()
    assert link.W.array[0, 0] == 0.5


# ----- serialization and resume ---------------------------------------------------------------

_SCHEDULES = {
    'exponential': lambda: extensions.ExponentialShift('lr', 0.7),
    'exponential_target': lambda: extensions.ExponentialShift('lr', 0.7, target=0.05),
    'linear': lambda: extensions.LinearShift('lr', (0.3, 0.0), (2, 9)),
    'warmup': lambda: extensions.WarmupShift('lr', 0.0, 4),
    'warmup_start_none': lambda: extensions.WarmupShift('lr', None, 4, 1.0),
    'step': lambda: extensions.StepShift('lr', 0.5, 3),
    'polynomial': lambda: extensions.PolynomialShift('lr', 0.9, 8),
    'inverse': lambda: extensions.InverseShift('lr', 0.5, 0.5),
    'multistep': lambda: extensions.MultistepShift('lr', 0.5, (2, 3, 7), None),
}


@pytest.mark.parametrize('name', sorted(_SCHEDULES))
@pytest.mark.parametrize('stop_at', [0, 3, 5])
def test_shift_resumes_exactly(name, stop_at, tmp_path):
    make = _SCHEDULES[name]
    uninterrupted = _schedule(make(), _optimizer(lr=0.3), 10)

    opt = _optimizer(lr=0.3)
    trainer = _Trainer(main=opt)
    ext = make()
    ext.initialize(trainer)
    for _ in range(stop_at):
        ext(trainer)
    path = str(tmp_path / 'shift.npz')
    save_npz(path, ext)

    # A fresh process: a new optimizer whose lr the snapshot's optimizer part restored (dbr
    # optimizers serialize their hyperparameters), and a new extension loaded before training.
    resumed_opt = _optimizer(lr=opt.lr)
    resumed = make()
    load_npz(path, resumed)
    values = _schedule(resumed, resumed_opt, 10 - stop_at)
    assert values == uninterrupted[stop_at:]


def test_shift_state_is_loaded_into_a_started_extension():
    # A snapshot's autoload runs after the other extensions' initialize().
    opt = _optimizer(lr=1.0)
    ext = extensions.ExponentialShift('lr', 0.5)
    _schedule(ext, opt, 3)
    s = DictionarySerializer()
    ext.serialize(s)
    assert s.target['_t'] == 3 and s.target['_last_value'] == 0.125 and s.target['_init'] == 1.0

    opt2 = _optimizer(lr=1.0)
    trainer = _Trainer(main=opt2)
    resumed = extensions.ExponentialShift('lr', 0.5)
    resumed.initialize(trainer)
    resumed.serialize(NpzDeserializer(s.target))
    assert opt2.lr == 0.125  # restored even if the optimizer's own state did not hold it
    resumed(trainer)
    assert opt2.lr == 0.0625


# ----- inside a real Trainer ------------------------------------------------------------------

class _Updater2(dbr.training.Updater):
    def __init__(self, optimizer):
        self._optimizer = optimizer
        self.iteration = 0

    epoch = property(lambda self: self.iteration // 2)
    epoch_detail = property(lambda self: self.iteration / 2)
    previous_epoch_detail = property(lambda self: (self.iteration - 1) / 2 if self.iteration
                                     else -1.0)
    is_new_epoch = property(lambda self: self.iteration > 0 and self.iteration % 2 == 0)

    def get_optimizer(self, name):
        return self._optimizer

    def get_all_optimizers(self):
        return {'main': self._optimizer}

    def update(self):
        self.iteration += 1

    def serialize(self, serializer):
        self.iteration = serializer('iteration', self.iteration)


def test_shifts_with_observe_lr_in_a_trainer(tmp_path):
    opt = _optimizer(lr=0.4)
    trainer = dbr.training.Trainer(_Updater2(opt), (4, 'epoch'), out=str(tmp_path))
    trainer.extend(extensions.ExponentialShift('lr', 0.5), trigger=(1, 'epoch'))
    trainer.extend(extensions.observe_lr(), trigger=(1, 'iteration'))
    trainer.extend(extensions.LogReport(trigger=(1, 'iteration'), log_name=None))
    trainer.run()
    lrs = [entry['lr'] for entry in trainer.get_extension('LogReport').log]
    # observe_lr (a writer) runs before the shift (a reader) at the same iteration.
    assert lrs == [0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05]
    assert opt.lr == 0.025


class _SGDUpdater(_Updater2):
    """One optimizer step on a fixed quadratic loss per iteration (2 iterations per epoch)."""

    def update(self):
        link = self._optimizer.target
        x = numpy.arange(6, dtype=numpy.float32).reshape(3, 2) / 6
        self._optimizer.update(lambda: dbr.functions.sum(link(x) ** 2))
        self.iteration += 1

    def serialize(self, serializer):
        super().serialize(serializer)
        self._optimizer.serialize(serializer['optimizer'])
        self._optimizer.target.serialize(serializer['model'])


def _shifted_training(out, epochs):
    from dbr.training.extensions import snapshot
    link = L.Linear(2, 2, initialW=numpy.eye(2, dtype=numpy.float32) + 0.5, initial_bias=0.25)
    opt = optimizers.MomentumSGD(lr=0.1, momentum=0.5).setup(link)
    trainer = dbr.training.Trainer(_SGDUpdater(opt), (epochs, 'epoch'), out=out)
    trainer.extend(extensions.WarmupShift('lr', 0.0, 3))
    trainer.extend(extensions.LinearShift('momentum', (0.5, 0.9), (1, 6)))
    trainer.extend(extensions.observe_lr(), trigger=(1, 'iteration'))
    trainer.extend(extensions.LogReport(trigger=(1, 'iteration'), log_name=None))
    trainer.extend(snapshot(autoload=True), trigger=(1, 'epoch'))
    trainer.run()
    return trainer, link


def test_shifts_resume_bit_for_bit_through_a_trainer_snapshot(tmp_path):
    full, full_link = _shifted_training(str(tmp_path / 'full'), 4)
    _shifted_training(str(tmp_path / 'cut'), 2)
    resumed, resumed_link = _shifted_training(str(tmp_path / 'cut'), 4)
    assert resumed.updater.iteration == 8
    lrs = [e['lr'] for e in full.get_extension('LogReport').log]
    # observe_lr (a writer) sees the value the iteration's update used
    warm = [(t * 0.1 + (3 - t) * 0.0) / 3 for t in range(4)]
    assert lrs == warm + [warm[3]] * 4
    assert [e['lr'] for e in resumed.get_extension('LogReport').log] == lrs
    for a, b in zip(full_link.params(), resumed_link.params()):
        assert a.array.tobytes() == b.array.tobytes()
    assert resumed.updater.get_optimizer('main').momentum == 0.9
