"""``ParameterStatistics``: reports mean/std/min/max/zeros/percentiles of parameters and grads."""
import numpy

from dbr import backend
from dbr import reporter
from dbr.training import triggers
from dbr.training.extension import PRIORITY_WRITER, Extension
from dbr.training.extensions._arrays import to_host_float64


def _xp(x):
    return backend.get_array_module(x)


class ParameterStatistics(Extension):
    """Accumulates statistics of each parameter (and gradient) and reports their mean.

    At each call, every statistic of every parameter of ``links`` is computed on the flattened
    array and added to a summary; when ``trigger`` fires, the summary's means are reported with
    :func:`dbr.report` and the summary starts afresh. Keys look like
    ``{prefix}/{link.name}/{param path}/{data|grad}/{statistic}``, e.g.
    ``predictor/l1/W/grad/std``; a statistic returning several values (``percentile``) gets the
    index appended (``.../percentile/0``). Uninitialized parameters and parameters without a
    gradient are skipped.

    Args:
        links: A Link or a list/tuple of Links (their ``name`` starts the keys).
        statistics (dict): Names to functions ``f(flat_array) -> scalar or 1-D array``; the
            default computes ``mean``, ``std``, ``min``, ``max``, ``zeros`` (count of zeros) and
            ``percentile`` (at the sigma points 0.13, 2.28, 15.87, 50, 84.13, 97.72, 99.87).
        report_params (bool): Report statistics of the parameter values.
        report_grads (bool): Report statistics of the gradients.
        prefix (str): Optional first component of the keys.
        trigger: When to report the accumulated means (``(1, 'epoch')`` by default).
        skip_nan_params (bool): Report a single NaN for an array that contains NaN instead of
            computing its statistics.

    Example:
        >>> trainer.extend(extensions.ParameterStatistics(model.predictor))  # doctest: +SKIP
    """

    default_name = 'parameter_statistics'
    priority = PRIORITY_WRITER

    report_key_template = '{prefix}{link_name}{param_name}/{attr_name}/{function_name}'

    default_statistics = {
        'mean': lambda x: _xp(x).mean(x),
        'std': lambda x: _xp(x).std(x),
        'min': lambda x: _xp(x).min(x),
        'max': lambda x: _xp(x).max(x),
        'zeros': lambda x: _xp(x).count_nonzero(x == 0),
        'percentile': lambda x: _xp(x).percentile(
            x, (0.13, 2.28, 15.87, 50, 84.13, 97.72, 99.87)),
    }

    def __init__(self, links, statistics=default_statistics, report_params=True,
                 report_grads=True, prefix=None, trigger=(1, 'epoch'), skip_nan_params=False):
        if not isinstance(links, (list, tuple)):
            links = links,
        self._links = links
        # A copy: register_statistics must not change the class-wide defaults.
        self._statistics = dict(statistics) if statistics is not None else {}
        self._attrs = [a for a, on in (('data', report_params), ('grad', report_grads)) if on]
        self._prefix = prefix
        self._trigger = triggers.get_trigger(trigger)
        self._summary = reporter.DictSummary()
        self._skip_nan_params = skip_nan_params

    def __call__(self, trainer):
        keys = []
        values = []
        prefix = self._prefix + '/' if self._prefix else ''
        for link in self._links:
            link_name = getattr(link, 'name', None)
            for param_name, param in link.namedparams():
                for attr_name in self._attrs:
                    array = param.array if attr_name == 'data' else param.grad
                    if array is None or array.size == 0:
                        continue
                    flat = array.ravel()
                    has_nan = self._skip_nan_params and bool(_xp(flat).isnan(flat).any())
                    for function_name, function in self._statistics.items():
                        keys.append(self.report_key_template.format(
                            prefix=prefix, link_name=link_name, param_name=param_name,
                            attr_name=attr_name, function_name=function_name))
                        values.append(numpy.nan if has_nan else function(flat))
        statistics = {}
        for key, value in zip(keys, to_host_float64(values)):
            if value.size > 1:
                for i, v in enumerate(value.ravel()):
                    statistics[f'{key}/{i}'] = float(v)
            else:
                statistics[key] = float(value)
        self._summary.add(statistics)

        if self._trigger(trainer):
            reporter.report(self._summary.compute_mean())
            self._summary = reporter.DictSummary()

    def register_statistics(self, name, function):
        """Adds a statistic ``function(flat_array)`` reported under ``name``.

        Example:
            >>> ext.register_statistics('norm', lambda x: (x * x).sum() ** 0.5)  # doctest: +SKIP
        """
        self._statistics[name] = function

    def serialize(self, serializer):
        self._summary.serialize(serializer['_summary'])
