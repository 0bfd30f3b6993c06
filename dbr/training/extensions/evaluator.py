"""``Evaluator``: mean of the reported values over a validation set."""
import copy
import warnings

from dbr import backend
from dbr import configuration
from dbr import reporter as reporter_module
from dbr.dataset import concat_examples
from dbr.dataset.convert import _call_converter
from dbr.link import Link
from dbr.training import extension


class Evaluator(extension.Extension):
    """Runs the target over a whole validation iterator and reports the mean of what it reports.

    Each evaluation resets the iterator (or, for one without ``reset``, iterates a shallow
    copy), converts each batch with ``converter``, and calls ``eval_func`` (the main target by
    default) under ``using_config('train', False)`` and ``no_backprop_mode()``. Values the
    targets report are averaged over the batches and reported to the trainer as
    ``<name>/<target>/<key>`` (``validation/main/loss`` for the default name).

    Calling the evaluator directly (``evaluator()``) returns that dict without a trainer; its
    keys then lack the ``validation/`` prefix unless ``name`` is set. ``evaluator.evaluate()``
    called on its own (no reporter active) does the same, without reporting the result.

    Args:
        iterator: Validation iterator (``repeat=False``), or a dict with ``'main'``.
        target (Link): Model to evaluate, or a dict of links with ``'main'``.
        converter: ``converter(batch, device)``; :func:`dbr.dataset.concat_examples` by
            default.
        device: Device the converter sends batches to.
        eval_hook: ``eval_hook(evaluator)`` called before each evaluation.
        eval_func: Called with the converted batch (``*arrays``, ``**arrays`` or one array);
            the main target by default.
        progress_bar (bool): Show a tqdm bar over the validation batches (stderr).

    Example:
        >>> trainer.extend(extensions.Evaluator(test_iter, model))  # doctest: +SKIP
        >>> extensions.Evaluator(test_iter, model)()  # doctest: +SKIP
        {'main/loss': 0.31, 'main/accuracy': 0.91}
    """

    trigger = 1, 'epoch'
    default_name = 'validation'
    priority = extension.PRIORITY_WRITER
    name = None

    def __init__(self, iterator, target, converter=concat_examples, device=None,
                 eval_hook=None, eval_func=None, *, progress_bar=False):
        if not isinstance(iterator, dict):
            iterator = {'main': iterator}
        self._iterators = iterator
        if isinstance(target, Link):
            target = {'main': target}
        self._targets = target
        self.converter = converter
        if device is not None:
            device = backend.get_device(device)
        self.device = device
        self.eval_hook = eval_hook
        self.eval_func = eval_func
        self._progress_bar = progress_bar
        for key, it in iterator.items():
            if getattr(it, 'repeat', False) is True:
                warnings.warn(f'Evaluator: the iterator {key!r} repeats (repeat=True); the '
                              f'evaluation would never end. Create it with repeat=False.')

    def get_iterator(self, name):
        """Returns the iterator called ``name``."""
        return self._iterators[name]

    def get_all_iterators(self):
        """Returns a new dict of the iterators."""
        return dict(self._iterators)

    def get_target(self, name):
        """Returns the target link called ``name``."""
        return self._targets[name]

    def get_all_targets(self):
        """Returns a new dict of the target links."""
        return dict(self._targets)

    def __call__(self, trainer=None):
        """Evaluates, reports the result to the current reporter (if any) and returns it.

        Returns:
            dict: Key to mean value (floats).
        """
        prefix = '' if self.name is None else self.name + '/'
        with self._targets_reporter(prefix):
            with configuration.using_config('train', False):
                result = self.evaluate()
        reporter_module.report(result)
        return result

    def _targets_reporter(self, prefix):
        """A Reporter naming each target (and its sublinks) ``prefix + <target name>``."""
        reporter = reporter_module.Reporter()
        for name, target in self._targets.items():
            reporter.add_observer(prefix + name, target)
            reporter.add_observers(prefix + name, target.namedlinks(skipself=True))
        return reporter

    def evaluate(self):
        """Sweeps the main iterator once and returns the mean of every reported value.

        Override this for a custom evaluation loop; ``__call__`` sets up the reporter and
        ``train=False`` around it. Called on its own, with no reporter active, it sets up both
        itself (keys ``<target>/<key>``, e.g. ``main/loss``).
        """
        try:
            reporter_module.get_current_reporter()
        except RuntimeError:
            with self._targets_reporter(''), configuration.using_config('train', False):
                # Not self.evaluate(): a subclass calling super().evaluate() runs its part once.
                return Evaluator.evaluate(self)
        iterator = self._iterators['main']
        eval_func = self.eval_func or self._targets['main']
        if self.eval_hook:
            self.eval_hook(self)
        if hasattr(iterator, 'reset'):
            iterator.reset()
            it = iterator
        else:
            warnings.warn('Evaluator: the iterator has no reset(); a shallow copy is iterated '
                          'instead (implement reset)', DeprecationWarning)
            it = copy.copy(iterator)
        bar = _progress_bar(it) if self._progress_bar else None
        summary = reporter_module.DictSummary()
        try:
            for batch in it:
                observation = {}
                with reporter_module.report_scope(observation):
                    in_arrays = _call_converter(self.converter, batch, self.device)
                    with configuration.no_backprop_mode():
                        if isinstance(in_arrays, tuple):
                            eval_func(*in_arrays)
                        elif isinstance(in_arrays, dict):
                            eval_func(**in_arrays)
                        else:
                            eval_func(in_arrays)
                summary.add(observation)
                if bar is not None:
                    bar.update()
        finally:
            if bar is not None:
                bar.close()
        return summary.compute_mean()

    def finalize(self):
        """Finalizes the iterators."""
        for it in self._iterators.values():
            finalize = getattr(it, 'finalize', None)
            if finalize is not None:
                finalize()


def _progress_bar(iterator):
    from tqdm import tqdm
    total = None
    dataset = getattr(iterator, 'dataset', None)
    batch_size = getattr(iterator, 'batch_size', None)
    if dataset is not None and batch_size:
        total = -(-len(dataset) // batch_size)
    return tqdm(total=total, desc='validation', leave=False, unit='batch')
