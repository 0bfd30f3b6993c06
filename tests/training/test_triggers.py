"""Triggers: IntervalTrigger, ManualScheduleTrigger, Min/MaxValueTrigger, EarlyStoppingTrigger."""
import io
import math

import numpy
import pytest

from dbr.serializers import DictionarySerializer, NpzDeserializer
from dbr.training import triggers


class _Updater:
    """Counts iterations over a dataset of ``n`` examples in batches of ``batch``."""

    def __init__(self, n=10, batch=3):
        self.n, self.batch = n, batch
        self.iteration = 0

    @property
    def epoch_detail(self):
        return self.iteration * self.batch / self.n

    @property
    def previous_epoch_detail(self):
        return None if self.iteration == 0 else (self.iteration - 1) * self.batch / self.n

    @property
    def epoch(self):
        return int(self.epoch_detail)


class _Trainer:
    def __init__(self, n=10, batch=3):
        self.updater = _Updater(n, batch)
        self.observation = {}


def _fires(trigger, trainer, iterations, observations=None):
    """Iterations (1-based) at which the trigger fired when called once per iteration."""
    fired = []
    for i in range(1, iterations + 1):
        trainer.updater.iteration = i
        if observations is not None:
            trainer.observation = observations[i - 1]
        if trigger(trainer):
            fired.append(i)
    return fired


def _round_trip(src, dst):
    s = DictionarySerializer()
    src.serialize(s)
    dst.serialize(NpzDeserializer(s.target))
    return s.target


@pytest.mark.parametrize('period', [1, 3, 7])
def test_interval_trigger_iterations(period):
    fired = _fires(triggers.IntervalTrigger(period, 'iteration'), _Trainer(), 20)
    assert fired == [i for i in range(1, 21) if i % period == 0]


@pytest.mark.parametrize('period', [1, 2, 0.5])
def test_interval_trigger_epochs_fire_when_a_multiple_is_crossed(period):
    trainer = _Trainer(n=10, batch=3)  # 10/3 iterations per epoch: boundaries fall mid-batch
    fired = _fires(triggers.IntervalTrigger(period, 'epoch'), trainer, 20)
    want = [i for i in range(1, 21)
            if math.floor((i - 1) * 0.3 / period + 1e-9) != math.floor(i * 0.3 / period + 1e-9)]
    assert fired == want


def test_interval_trigger_called_sparsely_still_fires_once_per_crossing():
    trigger = triggers.IntervalTrigger(5, 'iteration')
    trainer = _Trainer()
    fired = []
    for i in (3, 7, 8, 12, 16):  # multiples 5, 10, 15 lie in (3, 7], (8, 12], (12, 16]
        trainer.updater.iteration = i
        fired.append(trigger(trainer))
    assert fired == [False, True, False, True, True]


def test_interval_trigger_state_round_trips():
    trainer = _Trainer()
    a = triggers.IntervalTrigger(4, 'iteration')
    _fires(a, trainer, 6)
    b = triggers.IntervalTrigger(4, 'iteration')
    target = _round_trip(a, b)
    assert set(target) == {'previous_iteration', 'previous_epoch_detail'}
    trainer.updater.iteration = 9  # 8 lies in (6, 9]: b fires, as a would
    assert b(trainer) is True


def test_interval_trigger_without_saved_state_guesses_with_a_warning():
    b = triggers.IntervalTrigger(4, 'iteration')
    with pytest.warns(UserWarning, match='previous_iteration'):
        b.serialize(NpzDeserializer({'previous_epoch_detail': numpy.array(0.)}))
    trainer = _Trainer()
    trainer.updater.iteration = 8
    assert b(trainer) is True  # guessed previous = 7


def test_interval_trigger_length_repr_and_errors():
    trigger = triggers.IntervalTrigger(3, 'epoch')
    assert trigger.get_training_length() == (3, 'epoch')
    assert repr(trigger) == "IntervalTrigger(3, 'epoch')"
    with pytest.raises(ValueError, match="IntervalTrigger: unit must be 'epoch' or 'iteration'"):
        triggers.IntervalTrigger(1, 'epochs')
    with pytest.raises(ValueError, match='IntervalTrigger: period must be positive, got 0'):
        triggers.IntervalTrigger(0, 'iteration')


def test_manual_schedule_trigger_iterations_and_finished():
    trigger = triggers.ManualScheduleTrigger([3, 8, 8, 15], 'iteration')
    trainer = _Trainer()
    fired, finished = [], []
    for i in range(1, 17):
        trainer.updater.iteration = i
        if trigger(trainer):
            fired.append(i)
        finished.append(trigger.finished)
    assert fired == [3, 8, 15]
    assert finished == [i >= 15 for i in range(1, 17)]


def test_manual_schedule_trigger_fractional_epochs_and_single_point():
    trainer = _Trainer(n=10, batch=3)
    assert _fires(triggers.ManualScheduleTrigger([0.5, 2], 'epoch'), trainer, 10) == [2, 7]
    trainer = _Trainer()
    assert _fires(triggers.ManualScheduleTrigger(4, 'iteration'), trainer, 10) == [4]


def test_manual_schedule_trigger_serialize():
    trainer = _Trainer()
    a = triggers.ManualScheduleTrigger([2, 5], 'iteration')
    _fires(a, trainer, 5)
    b = triggers.ManualScheduleTrigger([2, 5], 'iteration')
    _round_trip(a, b)
    assert b.finished is True
    trainer.updater.iteration = 6
    assert b(trainer) is False
    assert b.get_training_length() == (5, 'iteration')
    with pytest.raises(ValueError, match='ManualScheduleTrigger: unit'):
        triggers.ManualScheduleTrigger([1], 'step')


def _observations(values, key='v'):
    return [{key: v} for v in values]


def test_max_and_min_value_triggers_fire_on_new_best_means():
    values = [1., 3., 2., 2., 5., 0., 1., 1., 4., 4.]  # means per 2 iterations: 2, 2, 2.5, 1, 4
    obs = _observations(values)
    assert _fires(triggers.MaxValueTrigger('v', (2, 'iteration')), _Trainer(), 10, obs) == [
        2, 6, 10]
    assert _fires(triggers.MinValueTrigger('v', (2, 'iteration')), _Trainer(), 10, obs) == [
        2, 8]


def test_best_value_trigger_reports_missing_key():
    trigger = triggers.MaxValueTrigger('v', (1, 'iteration'))
    trainer = _Trainer()
    trainer.updater.iteration = 1
    with pytest.raises(KeyError, match="MaxValueTrigger: key 'v' was never reported"):
        trigger(trainer)


def test_best_value_trigger_serialize_keeps_best_and_running_mean():
    obs = _observations([4., 1., 3., 9.])
    a = triggers.MaxValueTrigger('v', (2, 'iteration'))
    trainer = _Trainer()
    _fires(a, trainer, 3, obs)  # best 2.5 after iteration 2; 3.0 pending in the mean
    b = triggers.MaxValueTrigger('v', (2, 'iteration'))
    _round_trip(a, b)
    assert b.best_value == 2.5
    trainer.updater.iteration = 4
    trainer.observation = obs[3]
    assert b(trainer) is True and b.best_value == 6.0
    fresh = triggers.MinValueTrigger('v')
    _round_trip(triggers.MinValueTrigger('v'), fresh)  # no best yet: None survives
    assert fresh.best_value is None


def test_early_stopping_stops_after_patience_checks_without_improvement():
    losses = [5., 4., 4.5, 4.2, 4.1, 3.9, 4.0]
    trigger = triggers.EarlyStoppingTrigger(check_trigger=(1, 'iteration'), monitor='main/loss',
                                            patience=3, max_trigger=(100, 'iteration'))
    assert _fires(trigger, _Trainer(), 5, _observations(losses, 'main/loss')) == [5]
    assert trigger.best == 4.0 and trigger.count == 3
    trainer = _Trainer()
    trainer.updater.iteration = 6
    trainer.observation = {'main/loss': 3.9}
    assert trigger(trainer) is False and trigger.count == 0  # an improvement resets the count


def test_early_stopping_mode_auto_max_and_max_trigger():
    acc = [0.5, 0.6, 0.55, 0.58, 0.7]
    auto = triggers.EarlyStoppingTrigger((1, 'iteration'), 'validation/main/accuracy',
                                         patience=2, max_trigger=(100, 'iteration'))
    assert _fires(auto, _Trainer(), 5, _observations(acc, 'validation/main/accuracy')) == [4]
    forced_min = triggers.EarlyStoppingTrigger((1, 'iteration'), 'validation/main/accuracy',
                                               patience=2, mode='min',
                                               max_trigger=(100, 'iteration'))
    assert _fires(forced_min, _Trainer(), 5,
                  _observations(acc, 'validation/main/accuracy')) == [3, 4, 5]
    capped = triggers.EarlyStoppingTrigger((1, 'iteration'), 'x', patience=10,
                                           max_trigger=(4, 'iteration'))
    assert _fires(capped, _Trainer(), 5, _observations(range(5), 'x')) == [4]
    assert capped.get_training_length() == (4, 'iteration')


def test_early_stopping_arguments_and_missing_monitor(capsys):
    trigger = triggers.EarlyStoppingTrigger(patients=7, verbose=True)
    assert trigger.patience == 7
    assert 'less' in capsys.readouterr().out
    assert triggers.EarlyStoppingTrigger().patience == 3
    with pytest.raises(TypeError, match="EarlyStoppingTrigger: give 'patience' only"):
        triggers.EarlyStoppingTrigger(patience=2, patients=2)
    with pytest.raises(ValueError, match="EarlyStoppingTrigger: mode must be"):
        triggers.EarlyStoppingTrigger(mode='best')
    trigger = triggers.EarlyStoppingTrigger((1, 'iteration'), 'main/loss')
    trainer = _Trainer()
    trainer.updater.iteration = 1
    with pytest.warns(UserWarning, match="'main/loss' is not in the observation"):
        assert trigger(trainer) is False


def test_early_stopping_serialize():
    obs = _observations([3., 2., 2.5, 2.7], 'main/loss')
    a = triggers.EarlyStoppingTrigger((1, 'iteration'), patience=3,
                                      max_trigger=(100, 'iteration'))
    trainer = _Trainer()
    _fires(a, trainer, 4, obs)
    b = triggers.EarlyStoppingTrigger((1, 'iteration'), patience=3,
                                      max_trigger=(100, 'iteration'))
    _round_trip(a, b)
    assert (b.best, b.count) == (2.0, 2)
    trainer.updater.iteration = 5
    trainer.observation = {'main/loss': 2.1}
    assert b(trainer) is True


def test_get_trigger():
    assert triggers.get_trigger((2, 'epoch')).get_training_length() == (2, 'epoch')
    assert triggers.get_trigger([5, 'iteration']).period == 5

    def custom(trainer):
        return True

    assert triggers.get_trigger(custom) is custom
    never = triggers.get_trigger(None)
    trainer = _Trainer()
    assert not any(_fires(never, trainer, 5))
    with pytest.raises(TypeError, match='get_trigger: expected None, .period, unit. or a '
                                        'callable, got 3'):
        triggers.get_trigger(3)


def test_triggers_are_saved_in_an_npz_file_and_restored():
    from dbr.serializers import load_npz, save_npz
    a = triggers.ManualScheduleTrigger([2], 'epoch')
    trainer = _Trainer()
    _fires(a, trainer, 8)
    buf = io.BytesIO()
    save_npz(buf, a)
    buf.seek(0)
    b = triggers.ManualScheduleTrigger([2], 'epoch')
    load_npz(buf, b)
    assert b.finished and b._previous_iteration == 8


def test_chainer_module_paths_of_triggers_and_updaters():
    import dbr
    from dbr.training import updater, util
    assert util.get_trigger is triggers.get_trigger
    assert dbr.training.IntervalTrigger is triggers.IntervalTrigger
    assert updater.StandardUpdater is dbr.training.updaters.StandardUpdater
    assert updater.Updater is dbr.training.Updater


@pytest.mark.parametrize('call_on_resume', [False, True])
def test_once_trigger_fires_once_and_after_resume_only_if_asked(call_on_resume):
    trainer = _Trainer()
    a = triggers.OnceTrigger(call_on_resume)
    assert not a.finished
    assert _fires(a, trainer, 4) == [1]
    assert a.finished
    b = triggers.OnceTrigger(call_on_resume)
    _round_trip(a, b)  # a resumed run builds a fresh trigger and loads the snapshot into it
    assert b.finished is not call_on_resume
    assert _fires(b, trainer, 3) == ([1] if call_on_resume else [])
    assert b.finished


class _TimedTrainer:
    def __init__(self):
        self.elapsed_time = 0.


def test_time_trigger_fires_after_each_period_and_catches_up():
    trigger = triggers.TimeTrigger(10)
    trainer = _TimedTrainer()
    fired = []
    for t in (3., 9.9, 10.5, 15., 20.5, 47., 47.5, 48., 48.5):
        trainer.elapsed_time = t
        fired.append(trigger(trainer))
    # 47 s passed 30 and 40 at once: one firing per call until it has caught up.
    assert fired == [False, False, True, False, True, True, True, False, False]
    resumed = triggers.TimeTrigger(10)
    _round_trip(trigger, resumed)
    trainer.elapsed_time = 49.
    assert resumed(trainer) is False
    trainer.elapsed_time = 50.5
    assert resumed(trainer) is True
    with pytest.raises(ValueError, match='TimeTrigger: period must be positive, got 0'):
        triggers.TimeTrigger(0)
