"""dbr: a define-by-run deep-learning framework with Chainer's API, on NumPy or CuPy.

Example:
    >>> import numpy, dbr
    >>> import dbr.functions as F
    >>> x = dbr.Variable(numpy.array([1., 2.], 'f'))
    >>> F.sum(x * x).backward()
    >>> x.grad
    array([2., 4.], dtype=float32)
"""
import sys as _sys

from dbr import backend  # noqa: F401
from dbr import configuration  # noqa: F401
from dbr.backends import cuda  # noqa: F401
from dbr import initializers  # noqa: F401
from dbr import type_check  # noqa: F401
from dbr.backend import get_device, using_device  # noqa: F401
from dbr.configuration import (config, force_backprop_mode, get_dtype, global_config,  # noqa: F401
                               no_backprop_mode, using_config)
from dbr.function_node import FunctionNode, grad  # noqa: F401
from dbr.link import Chain, ChainList, Link, Sequential  # noqa: F401
from dbr.reporter import DictSummary, Reporter, Summary, get_current_reporter, report  # noqa: F401
from dbr.reporter import report_scope  # noqa: F401
from dbr.variable import Parameter, Variable, VariableNode, as_array, as_variable  # noqa: F401
from dbr import optimizer  # noqa: F401
from dbr import optimizer_hooks  # noqa: F401
from dbr import optimizers  # noqa: F401
from dbr import reporter  # noqa: F401
from dbr import serializers  # noqa: F401
from dbr import functions  # noqa: F401
from dbr import links  # noqa: F401
from dbr import _operators  # noqa: F401
from dbr import functional  # noqa: F401
from dbr import gradient_check  # noqa: F401
from dbr import testing  # noqa: F401

# One module, two import paths: `dbr.cuda` (the research dialect) and `dbr.backends.cuda`.
_sys.modules['dbr.cuda'] = cuda

__version__ = '0.1.0'

# Imported on first use, as `dbr.training` etc., to keep `import dbr` fast.
_LAZY_SUBMODULES = ('compat', 'computational_graph', 'dataset', 'datasets', 'distributions', 'iterators',
                    'training', 'utils')
# Top-level names that live in a lazy submodule (Chainer exposes them as `chainer.<name>`).
_LAZY_ATTRIBUTES = {'Distribution': 'distributions', 'cross_entropy': 'distributions',
                    'kl_divergence': 'distributions', 'register_kl': 'distributions',
                    'print_runtime_info': '_runtime_info'}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib
        return importlib.import_module(f'{__name__}.{name}')
    if name in _LAZY_ATTRIBUTES:
        import importlib
        return getattr(importlib.import_module(f'{__name__}.{_LAZY_ATTRIBUTES[name]}'), name)
    raise AttributeError(f"module 'dbr' has no attribute {name!r}")
