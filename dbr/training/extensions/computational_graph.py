"""``DumpGraph``: writes the Graphviz dot of the graph behind an observed value (e.g. the loss).

The module keeps Chainer's name, so that the older spelling ``extensions.dump_graph`` (a
function) does not hide a submodule of the same name.
"""
import os
import shutil
import subprocess

from dbr import computational_graph
from dbr.configuration import config
from dbr.training.extension import Extension
from dbr.variable import Variable

_var_style = {'shape': 'octagon', 'fillcolor': '#E0E0E0', 'style': 'filled'}
_func_style = {'shape': 'record', 'fillcolor': '#6495ED', 'style': 'filled'}


class DumpGraph(Extension):
    """Dumps the computational graph of ``observation[root_name]`` once, at the first iteration.

    Reported values are normally detached from their graph. This extension turns on
    ``dbr.config.keep_graph_on_report`` in ``initialize`` so the first iteration's report keeps
    it, writes ``<trainer.out>/<filename>`` at its first call, and then restores the flag (also
    when training ends before that, or when a snapshot taken after the dump is loaded). When
    Graphviz's ``dot`` command is installed, a PNG rendering is written next to it. Keep the
    default trigger: later iterations do not keep the graph.

    Args:
        root_name (str): Observation key of the root variable, e.g. ``'main/loss'``.
        filename (str): Name of the dot file in the trainer's output directory.
        variable_style (dict): Dot attributes of variables (octagons by default).
        function_style (dict): Dot attributes of functions (boxes by default).

    Example:
        >>> trainer.extend(extensions.DumpGraph('main/loss'))  # doctest: +SKIP
    """

    default_name = 'dump_graph'

    def __init__(self, root_name, filename='cg.dot', variable_style=None, function_style=None):
        self._root_name = root_name
        self._filename = filename
        self._variable_style = _var_style if variable_style is None else variable_style
        self._function_style = _func_style if function_style is None else function_style
        self._original_flag = None
        self._flag_called = False
        self._flag_set = False  # whether keep_graph_on_report is ours to restore

    def initialize(self, trainer):
        if not self._flag_called:
            self._original_flag = config.keep_graph_on_report
            config.keep_graph_on_report = True
            self._flag_set = True

    def _restore_flag(self):
        if self._flag_set:
            config.keep_graph_on_report = bool(self._original_flag)
            self._flag_set = False

    def trigger(self, trainer):
        """Fires exactly once: at the first iteration this extension sees."""
        if self._flag_called:
            return False
        self._flag_called = True
        return True

    def __call__(self, trainer):
        try:
            var = trainer.observation.get(self._root_name)
            if not isinstance(var, Variable):
                raise TypeError(f'DumpGraph: observation[{self._root_name!r}] must be a Variable, '
                                f'got {type(var).__name__}')
            dot = computational_graph.build_computational_graph(
                [var], variable_style=self._variable_style,
                function_style=self._function_style).dump()
            os.makedirs(trainer.out, exist_ok=True)
            filename = os.path.join(trainer.out, self._filename)
            with open(filename, 'w') as f:
                f.write(dot)
            if shutil.which('dot') is not None:
                image = os.path.splitext(filename)[0] + '.png'
                subprocess.run(['dot', '-Tpng', filename, '-o', image], check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            self._restore_flag()

    def finalize(self, trainer=None):
        # Training ended before the first dump (an error, or no iteration at all).
        self._restore_flag()

    def serialize(self, serializer):
        # The flag's original value belongs to the running process: it is not saved.
        self._flag_called = bool(serializer('_flag_called', self._flag_called))
        if self._flag_called:
            # A snapshot loaded after initialize() (autoload): the dump is already done.
            self._restore_flag()


def dump_graph(root_name, out_name='cg.dot', variable_style=None, function_style=None):
    """Chainer's older spelling of :class:`DumpGraph` (``out_name`` is its ``filename``).

    Example:
        >>> trainer.extend(extensions.dump_graph('main/loss'))  # doctest: +SKIP
    """
    return DumpGraph(root_name, out_name, variable_style, function_style)
