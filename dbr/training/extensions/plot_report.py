"""``PlotReport``: plots observed values over iterations or epochs (needs matplotlib)."""
import json
import os
import warnings

from dbr import reporter
from dbr.training import triggers
from dbr.training.extension import Extension

_available = None  # whether matplotlib imports; checked once


def _matplotlib_available():
    global _available
    if _available is None:
        try:
            import matplotlib  # noqa: F401
            _available = True
        except ImportError:
            _available = False
    return _available


class PlotReport(Extension):
    """Accumulates observed values and saves a plot of their means each time ``trigger`` fires.

    Each call adds the observation's ``y_keys`` to a summary; when ``trigger`` fires, their means
    are appended to the plotted series (at x = the ``x_key`` entry: ``'iteration'`` or
    ``'epoch'``) and the figure is written to ``<trainer.out>/<filename>``.

    matplotlib is optional: without it, :meth:`available` is False, constructing the extension
    warns once (a ``UserWarning``) and it does nothing. The figure is drawn with matplotlib's
    object API (no pyplot), so no GUI backend is needed.

    Args:
        y_keys (str or list of str): Observation keys to plot.
        x_key (str): ``'iteration'`` or ``'epoch'``.
        trigger: When to add a point and save the figure (``(1, 'epoch')`` by default).
        postprocess: Callable ``f(figure, axes, summary)`` run before saving.
        filename (str): File name of the figure in the trainer's output directory
            (``file_name=`` is accepted as its former name).
        marker (str): Marker of the points (None: none).
        grid (bool): Draw the axes grid.

    Example:
        >>> trainer.extend(extensions.PlotReport(  # doctest: +SKIP
        ...     ['main/loss', 'validation/main/loss'], 'epoch', filename='loss.png'))
    """

    def __init__(self, y_keys, x_key='iteration', trigger=(1, 'epoch'), postprocess=None,
                 filename='plot.png', marker='x', grid=True, *, file_name=None):
        if file_name is not None:  # Chainer's former name of ``filename``, still in its examples
            filename = file_name
        if isinstance(y_keys, str):
            y_keys = (y_keys,)
        self._y_keys = tuple(y_keys)
        self._x_key = x_key
        self._trigger = triggers.get_trigger(trigger)
        self._postprocess = postprocess
        self._filename = filename
        self._marker = marker
        self._grid = grid
        self._summary = reporter.DictSummary()
        self._data = {k: [] for k in self._y_keys}
        if not self.available():
            warnings.warn(f'PlotReport: matplotlib is not installed, so {filename!r} will not be '
                          f'plotted (pip install matplotlib)', UserWarning, stacklevel=2)

    @staticmethod
    def available():
        """Whether matplotlib can be imported (without it the extension does nothing)."""
        return _matplotlib_available()

    def __call__(self, trainer):
        if not self.available():
            return
        observation = trainer.observation
        self._summary.add({k: observation[k] for k in self._y_keys if k in observation})
        if not self._trigger(trainer):
            return
        stats = self._summary.compute_mean()
        updater = trainer.updater
        x = {'epoch': updater.epoch, 'iteration': updater.iteration}.get(self._x_key)
        if x is None:
            x = stats[self._x_key]
        for k in self._y_keys:
            if k in stats:
                self._data[k].append((x, stats[k]))
        self._plot(trainer.out)
        self._summary = reporter.DictSummary()

    def _plot(self, out):
        from matplotlib.figure import Figure
        figure = Figure()
        axes = figure.add_subplot(111)
        axes.set_xlabel(self._x_key)
        if self._grid:
            axes.grid()
        for k in self._y_keys:
            points = self._data[k]
            if points:
                xs, ys = zip(*points)
                axes.plot(xs, ys, marker=self._marker, label=k)
        if axes.has_data():
            if self._postprocess is not None:
                self._postprocess(figure, axes, self._summary)
            legend = axes.legend(bbox_to_anchor=(1.05, 1), loc=2, borderaxespad=0.)
            os.makedirs(out, exist_ok=True)
            figure.savefig(os.path.join(out, self._filename), bbox_extra_artists=(legend,),
                           bbox_inches='tight')

    def serialize(self, serializer):
        from dbr.serializers import Deserializer
        key = f'_plot_{self._filename}'
        if isinstance(serializer, Deserializer):
            text = serializer(key, None)
            if text is not None:
                data = json.loads(str(getattr(text, 'item', lambda: text)()))
                self._data = {k: [tuple(p) for p in data.get(k, [])] for k in self._y_keys}
        else:
            serializer(key, json.dumps(self._data))
        self._summary.serialize(serializer['_summary'])
        if hasattr(self._trigger, 'serialize'):
            # Without its state a resumed trigger fires at once and plots a partial point.
            self._trigger.serialize(serializer['_trigger'])
