"""``unchain_variables``: drops the graphs of reported values kept by ``keep_graph_on_report``."""
from dbr.configuration import config
from dbr.training import extension
from dbr.variable import Variable


class unchain_variables(extension.Extension):  # noqa: N801 (Chainer's name)
    """Unchains the graph behind every Variable in the observation, after the other extensions.

    With ``dbr.config.keep_graph_on_report`` on, reported Variables keep their whole graph
    alive until the next iteration. This extension (priority 0: after the readers, before
    snapshots) calls ``unchain_backward()`` on each of them, at the iterations where the flag
    was on, so the graphs are freed as soon as every other extension has seen them.

    Example:
        >>> trainer.extend(extensions.unchain_variables())  # doctest: +SKIP
    """

    priority = 0

    def __init__(self):
        self._previous_flag = None

    def initialize(self, trainer):
        self._previous_flag = config.keep_graph_on_report

    def trigger(self, trainer):
        """True when ``keep_graph_on_report`` was on during the iteration that just ran."""
        flag = self._previous_flag
        self._previous_flag = config.keep_graph_on_report
        return bool(flag)

    def __call__(self, trainer):
        for value in trainer.observation.values():
            if isinstance(value, Variable):
                value.unchain_backward()
