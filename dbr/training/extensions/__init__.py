"""Trainer extensions: evaluation, logging, progress, snapshots, schedules."""
from dbr.training.extensions import snapshot_writers  # noqa: F401
from dbr.training.extensions.computational_graph import DumpGraph, dump_graph  # noqa: F401
from dbr.training.extensions.evaluator import Evaluator  # noqa: F401
from dbr.training.extensions.exponential_shift import ExponentialShift  # noqa: F401
from dbr.training.extensions.fail_on_nonnumber import FailOnNonNumber  # noqa: F401
from dbr.training.extensions.inverse_shift import InverseShift  # noqa: F401
from dbr.training.extensions.linear_shift import LinearShift  # noqa: F401
from dbr.training.extensions.log_report import LogReport  # noqa: F401
from dbr.training.extensions.micro_average import MicroAverage  # noqa: F401
from dbr.training.extensions.multistep_shift import MultistepShift  # noqa: F401
from dbr.training.extensions.parameter_statistics import ParameterStatistics  # noqa: F401
from dbr.training.extensions.plot_report import PlotReport  # noqa: F401
from dbr.training.extensions.polynomial_shift import PolynomialShift  # noqa: F401
from dbr.training.extensions.print_report import PrintReport  # noqa: F401
from dbr.training.extensions.progress_bar import ProgressBar  # noqa: F401
from dbr.training.extensions._snapshot import snapshot, snapshot_object  # noqa: F401
from dbr.training.extensions.step_shift import StepShift  # noqa: F401
from dbr.training.extensions.value_observation import observe_lr, observe_value  # noqa: F401
from dbr.training.extensions.variable_unchain import unchain_variables  # noqa: F401
from dbr.training.extensions.warmup_shift import WarmupShift  # noqa: F401
