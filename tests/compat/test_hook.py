"""dbr.compat: ``import chainer`` resolved to dbr, in this process, in scripts run with
``python -m dbr.compat`` and in their worker processes."""
import importlib
import os
import pickle
import subprocess
import sys
import textwrap
import types

import numpy
import pytest

import dbr
import dbr.compat

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def alias():
    dbr.compat.install_chainer_alias()
    yield
    dbr.compat.uninstall_chainer_alias()


def _run(args, cwd, timeout=120):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable] + args, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_import_chainer_is_dbr(alias):
    import chainer
    import chainer.functions as F
    import chainer.links as L
    from chainer import training
    from chainer.training import extensions
    from chainer.dataset import convert
    assert chainer is dbr
    assert F is dbr.functions and F.relu is dbr.functions.relu
    assert L is dbr.links and L.Linear is dbr.links.Linear
    assert training is dbr.training
    assert extensions is importlib.import_module('dbr.training.extensions')
    assert convert is importlib.import_module('dbr.dataset.convert')
    assert sys.modules['chainer.functions'] is dbr.functions


def test_cuda_under_both_names(alias):
    import chainer.backends.cuda
    import chainer.cuda
    from chainer.backends import cuda
    assert cuda is chainer.backends.cuda is chainer.cuda is dbr.cuda is dbr.backends.cuda
    assert isinstance(numpy.zeros(1), cuda.ndarray) is False


def test_modules_keep_their_dbr_identity(alias):
    import chainer.optimizers
    assert chainer.optimizers.__name__ == 'dbr.optimizers'
    assert chainer.optimizers.__spec__.name == 'dbr.optimizers'
    import chainer.links as L
    assert L.Linear.__module__.startswith('dbr.')
    # The module is the one dbr imported: reloading it through its own name works.
    assert importlib.reload(sys.modules['dbr.optimizers']) is dbr.optimizers


def test_objects_made_through_the_alias_pickle_as_dbr(alias, tmp_path):
    import chainer.links as L
    link = L.Linear(3, 2)
    path = tmp_path / 'link.pkl'
    path.write_bytes(pickle.dumps(link))
    # A process without the alias loads it: the pickle names dbr, never chainer.
    check = ('import pickle, sys; link = pickle.load(open(sys.argv[1], "rb")); '
             'print(type(link).__module__, link.W.shape)')
    done = _run(['-c', check, str(path)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['dbr.links.connection.linear', '(2,', '3)']
    assert b'chainer' not in path.read_bytes()


def test_missing_counterpart_is_an_import_error_that_names_it(alias):
    with pytest.raises(ModuleNotFoundError, match=r"'chainer.no_such_module' has no dbr "
                                                  r"counterpart \('dbr.no_such_module'"):
        import chainer.no_such_module  # noqa: F401
    # The first missing package is the one named.
    with pytest.raises(ModuleNotFoundError, match=r"'chainer.nowhere' has no dbr counterpart"):
        importlib.import_module('chainer.nowhere.deeper')


def test_chainerx_is_a_stand_in_that_is_not_available(alias):
    import chainerx
    assert chainerx.is_available() is False
    assert not isinstance(numpy.zeros(1), chainerx.ndarray)
    assert dbr.get_device(numpy).xp is not chainerx
    with pytest.raises(RuntimeError, match='chainerx.ndarray: dbr has no ChainerX'):
        chainerx.ndarray((2,), numpy.float32)
    with pytest.raises(AttributeError, match=r'chainerx.array: dbr runs without ChainerX'):
        chainerx.array


def test_uninstall_forgets_the_alias():
    dbr.compat.install_chainer_alias()
    dbr.compat.install_chainer_alias()  # twice is harmless
    import chainer.links  # noqa: F401
    import chainerx  # noqa: F401
    dbr.compat.uninstall_chainer_alias()
    assert not any(n == 'chainer' or n.startswith('chainer.') or n == 'chainerx'
                   for n in sys.modules)
    assert dbr.compat._FINDER not in sys.meta_path
    assert dbr.compat._PATH_DIR not in sys.path
    assert sys.modules['dbr.links'] is dbr.links  # dbr itself stays
    dbr.compat.uninstall_chainer_alias()  # twice is harmless


def test_refuses_when_the_real_chainer_is_imported(monkeypatch):
    real = types.ModuleType('chainer')
    real.__file__ = '/site-packages/chainer/__init__.py'
    monkeypatch.setitem(sys.modules, 'chainer', real)
    with pytest.raises(RuntimeError, match=r'real chainer package is already imported \(from '
                                           r'/site-packages/chainer/__init__.py\)'):
        dbr.compat.install_chainer_alias()
    assert dbr.compat._FINDER not in sys.meta_path


_SCRIPT = '''
import sys
import numpy
import chainer
import chainer.functions as F
import helper  # a module beside the script, found as `python script.py` would find it

assert chainer.__name__ == 'dbr' and __name__ == '__main__'
y = F.relu(numpy.array([-1.0, 2.0], 'f'))
print('argv', sys.argv[1:], 'relu', y.array.tolist(), helper.WHO)
'''


def test_python_m_dbr_compat_runs_a_script(tmp_path):
    folder = tmp_path / 'scripts'
    folder.mkdir()
    (folder / 'train.py').write_text(_SCRIPT)
    (folder / 'helper.py').write_text('WHO = "helper"\n')
    done = _run(['-m', 'dbr.compat', str(folder / 'train.py'), '--epoch', '3', '-x'],
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "argv ['--epoch', '3', '-x'] relu [0.0, 2.0] helper"


def test_script_errors_and_exit_codes_come_through(tmp_path):
    (tmp_path / 'fail.py').write_text('import chainer\nraise SystemExit(3)\n')
    assert _run(['-m', 'dbr.compat', 'fail.py'], cwd=tmp_path).returncode == 3
    (tmp_path / 'bad.py').write_text('import chainer.nonexistent\n')
    done = _run(['-m', 'dbr.compat', 'bad.py'], cwd=tmp_path)
    assert done.returncode == 1
    assert "'chainer.nonexistent' has no dbr counterpart" in done.stderr


def test_help_and_usage(tmp_path):
    done = _run(['-m', 'dbr.compat', '--help'], cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith('usage: python -m dbr.compat') and 'script' in done.stdout
    done = _run(['-m', 'dbr.compat'], cwd=tmp_path)
    assert done.returncode == 2 and 'the following arguments are required: script' in done.stderr
    # Options after the script belong to the script.
    (tmp_path / 'cli.py').write_text(textwrap.dedent('''
        import argparse, chainer
        argparse.ArgumentParser(description='the script itself').parse_args()
    '''))
    done = _run(['-m', 'dbr.compat', 'cli.py', '--help'], cwd=tmp_path)
    assert done.returncode == 0 and 'the script itself' in done.stdout


_WORKERS = '''
import multiprocessing
import numpy
import chainer
import chainer.functions as F
from chainer import datasets, iterators


def work(x):
    import chainerx
    return chainer.__name__, float(F.sum(F.relu(numpy.array(x, 'f'))).array), \\
        chainerx.is_available()


if __name__ == '__main__':
    for method in ('spawn', 'forkserver'):
        with multiprocessing.get_context(method).Pool(1) as pool:
            print(method, pool.map(work, [[-1.0, 2.0]]))
    data = datasets.TupleDataset(numpy.arange(6, dtype='f'), numpy.arange(6, dtype='i'))
    multiprocessing.set_start_method('forkserver', force=True)   # the iterator's workers too
    with iterators.MultiprocessIterator(data, 3, shuffle=False, n_processes=1) as it:
        print('batch', [int(t) for _, t in next(it)])
'''


def test_worker_processes_inherit_the_alias(tmp_path):
    (tmp_path / 'workers.py').write_text(_WORKERS)
    done = _run(['-m', 'dbr.compat', 'workers.py'], cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["spawn [('dbr', 2.0, False)]",
                                        "forkserver [('dbr', 2.0, False)]",
                                        'batch [0, 1, 2]']
