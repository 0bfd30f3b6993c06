"""``ProgressBar``: a tqdm progress bar over the training iterations."""
import functools
import math
import sys
import weakref

from dbr import backend
from dbr.training.extension import Extension

# Bars currently on screen, so that PrintReport can print its rows above them.
_live_bars = weakref.WeakSet()


@functools.lru_cache(maxsize=None)
def _bar_class():
    import tqdm  # imported on first use: `import dbr.training` stays light

    class _Bar(tqdm.tqdm):
        # The monitor thread only lowers `miniters`, which is fixed to 1 here.
        monitor_interval = 0

    return _Bar


def write_above_bars(out, text):
    """Writes ``text`` to ``out``, clearing and redrawing any progress bar shown there.

    Example:
        >>> write_above_bars(sys.stdout, 'epoch 1 done\\n')  # doctest: +SKIP
    """
    if _live_bars:
        with _bar_class().external_write_mode(file=out):
            out.write(text)
    else:
        out.write(text)
    flush = getattr(out, 'flush', None)
    if flush is not None:
        flush()


def _scalar(value):
    value = getattr(value, 'array', value)
    return float(backend.to_cpu(value))


class ProgressBar(Extension):
    """Shows training progress as a tqdm bar: iterations done, total, ETA, epoch and loss.

    The bar counts iterations. It opens at the first call, so a run resumed from a snapshot
    starts at the restored iteration and its rate and ETA only count the new iterations. Its
    total comes from ``training_length`` or the trainer's stop trigger
    (``get_training_length()``); for a length in epochs it is derived from the iterations per
    epoch seen at the first call. The postfix shows the epoch and the current ``main/loss`` of
    the observation. The bar is redrawn every ``update_interval`` iterations and closed,
    showing the final count, when training ends.

    Args:
        training_length (tuple): ``(length, 'epoch' | 'iteration')``; None takes it from
            ``trainer.stop_trigger``.
        update_interval (int): Number of iterations between two redraws.
        bar_length (int): Width of the bar itself in characters.
        out: Stream to draw on (standard output, looked up when the bar opens, by default).

    Example:
        >>> trainer.extend(extensions.ProgressBar(update_interval=10))  # doctest: +SKIP
    """

    def __init__(self, training_length=None, update_interval=100, bar_length=50, out=None):
        if not update_interval > 0:
            raise ValueError(f'ProgressBar: update_interval must be positive, got '
                             f'{update_interval!r}')
        self._training_length = training_length
        self._update_interval = update_interval
        self._bar_length = bar_length
        self._out = out
        self._bar = None
        self._length = None
        self._iteration = 0

    def _open(self, trainer):
        length = self._training_length
        if length is None:
            get_length = getattr(trainer.stop_trigger, 'get_training_length', None)
            length = get_length() if get_length is not None else None
        if length is not None:
            period, unit = length
            if unit not in ('epoch', 'iteration'):
                raise ValueError(f"ProgressBar: the training length's unit must be 'epoch' or "
                                 f"'iteration', got {unit!r}")
        self._length = length
        updater = trainer.updater
        self._iteration = updater.iteration
        total = self._total(updater)
        self._bar = _bar_class()(
            total=total, initial=updater.iteration, file=self._out or sys.stdout, unit='iter',
            mininterval=0, miniters=1, leave=True, dynamic_ncols=False,
            bar_format=None if total is None else self._bar_format())
        _live_bars.add(self._bar)

    def _bar_format(self):
        # tqdm's default layout, with a bar of fixed width.
        return ('{percentage:3.0f}%|{bar:' + str(self._bar_length) + '}| '
                '{n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]')

    def _total(self, updater):
        """Total iterations of the training, or None while unknown."""
        if self._length is None:
            return None
        period, unit = self._length
        if unit == 'iteration':
            return period
        epoch_detail = updater.epoch_detail
        if not epoch_detail > 0:
            return None  # iterations per epoch are unknown until the first iteration
        total = period * updater.iteration / epoch_detail
        nearest = round(total)
        # The stop trigger fires at the first iteration reaching the length.
        return nearest if abs(total - nearest) < 1e-6 * max(1, total) else math.ceil(total)

    def __call__(self, trainer):
        if self._bar is None:
            self._open(trainer)
        updater = trainer.updater
        self._iteration = iteration = updater.iteration
        if self._bar.total is None:
            total = self._total(updater)
            if total is not None:
                self._bar.total = total
                self._bar.bar_format = self._bar_format()
        if iteration % self._update_interval == 0:
            self._show(trainer)

    def _show(self, trainer):
        bar = self._bar
        epoch = trainer.updater.epoch
        postfix = {}
        if self._length is not None and self._length[1] == 'epoch':
            postfix['epoch'] = f'{epoch}/{self._length[0]}'
        else:
            postfix['epoch'] = str(epoch)
        loss = trainer.observation.get('main/loss')
        if loss is not None:
            postfix['main/loss'] = f'{_scalar(loss):.4g}'
        bar.set_postfix(postfix, refresh=False)
        self._advance()

    def _advance(self):
        bar = self._bar
        if self._iteration > bar.n:
            bar.update(self._iteration - bar.n)
        else:
            bar.refresh()

    def finalize(self, trainer=None):
        bar = self._bar
        if bar is None:
            return
        if trainer is not None:
            self._show(trainer)
        else:
            self._advance()
        bar.close()
        _live_bars.discard(bar)
        self._bar = None
