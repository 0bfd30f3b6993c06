"""Run Chainer scripts unchanged: an import hook that resolves ``chainer`` and ``chainer.*`` to dbr.

``install_chainer_alias()`` puts a finder on ``sys.meta_path`` so that ``import chainer``,
``import chainer.functions as F`` and ``from chainer.training import extensions`` return the dbr
modules themselves (one module object under both names, so ``isinstance`` checks and module state
agree; classes keep their ``dbr.*`` module names, so pickles name dbr and load without the alias).
``import chainerx`` gives a stand-in whose ``is_available()`` is False: dbr has no ChainerX, and
Chainer v7 scripts import it to test ``device.xp is chainerx``.

The alias reaches child processes too: the ``spawn`` and ``forkserver`` start methods of
:mod:`multiprocessing` re-run the main script in a fresh interpreter with the parent's
``sys.path``, so the alias puts a small bootstrap package named ``chainer`` on ``sys.path`` that
installs the alias there on first import.

``python -m dbr.compat script.py [args...]`` runs a script with the alias installed.

A real Chainer installation is shadowed only while the alias is installed; a ``chainer`` module
that is already imported is refused rather than silently mixed with dbr.
"""
import argparse
import importlib
import importlib.abc
import importlib.util
import os
import runpy
import sys

_ALIAS = 'chainer'
_CHAINERX = 'chainerx'
# Holds ``chainer/`` (the child-process bootstrap) and ``chainerx/`` (the ChainerX stand-in).
_PATH_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '_compat_path')


def _is_alias(name):
    return name == _ALIAS or name.startswith(_ALIAS + '.')


class _ChainerAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``chainer.X`` as ``dbr.X`` and hands back the already-imported dbr module."""

    def __init__(self):
        self._own_specs = {}

    def find_spec(self, fullname, path=None, target=None):
        if fullname == _CHAINERX:
            return importlib.util.spec_from_file_location(
                _CHAINERX, os.path.join(_PATH_DIR, _CHAINERX, '__init__.py'))
        if not _is_alias(fullname):
            return None
        target_name = 'dbr' + fullname[len(_ALIAS):]
        target_spec = importlib.util.find_spec(target_name)
        if target_spec is None:
            # Raising (instead of returning None) keeps a real Chainer from filling the gap.
            raise ModuleNotFoundError(
                f'dbr.compat: {fullname!r} has no dbr counterpart ({target_name!r} does not exist)',
                name=fullname)
        return importlib.util.spec_from_loader(
            fullname, self, is_package=target_spec.submodule_search_locations is not None)

    def create_module(self, spec):
        module = importlib.import_module('dbr' + spec.name[len(_ALIAS):])
        self._own_specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module):
        # importlib stamped the alias spec on the dbr module; give it back its own, so that
        # reloads, pickling by module name and worker processes see the real dbr module.
        module.__spec__ = self._own_specs.pop(module.__spec__.name)


_FINDER = _ChainerAliasFinder()


def _activate():
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    if _PATH_DIR not in sys.path:
        # Before site-packages, so that a child process finds the bootstrap, not a real Chainer.
        sys.path.insert(min(1, len(sys.path)), _PATH_DIR)


def install_chainer_alias():
    """Makes ``import chainer`` (and every ``chainer.X`` submodule) resolve to dbr.

    Also makes ``import chainerx`` give a stand-in whose ``is_available()`` is False. Calling it
    again is harmless.

    Raises:
        RuntimeError: when a real ``chainer`` module is already imported in this process.

    Example:
        >>> import dbr.compat
        >>> dbr.compat.install_chainer_alias()
        >>> import chainer.functions as F
        >>> F.relu is dbr.functions.relu
        True
        >>> dbr.compat.uninstall_chainer_alias()
    """
    loaded = sys.modules.get(_ALIAS)
    if loaded is not None and not loaded.__name__.startswith('dbr'):
        raise RuntimeError(
            'dbr.compat.install_chainer_alias: the real chainer package is already imported '
            f'(from {getattr(loaded, "__file__", "?")}); install the alias before importing it')
    _activate()


def _bootstrap_child():
    """Installs the alias in a child process whose first ``import chainer`` found the bootstrap
    package on ``sys.path`` (see the module docstring); the import then yields dbr."""
    _activate()
    sys.modules[_ALIAS] = importlib.import_module('dbr')


def uninstall_chainer_alias():
    """Removes the alias and forgets the ``chainer.*`` names it created (dbr itself stays loaded).

    Example:
        >>> dbr.compat.uninstall_chainer_alias()
    """
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    if _PATH_DIR in sys.path:
        sys.path.remove(_PATH_DIR)
    for name in [n for n in sys.modules if _is_alias(n)]:
        if sys.modules[name].__name__.startswith('dbr'):
            del sys.modules[name]
    standin = sys.modules.get(_CHAINERX)
    if standin is not None and os.path.dirname(getattr(standin, '__file__', '') or '') == \
            os.path.join(_PATH_DIR, _CHAINERX):
        del sys.modules[_CHAINERX]


def main(argv=None):
    """``python -m dbr.compat script.py [args...]``: runs a Chainer script on dbr.

    The script runs as ``python script.py args...`` would run it (``__name__ == '__main__'``,
    ``sys.argv == [script.py, args...]``, its folder first on ``sys.path``), with the alias
    installed. Options after the script's name belong to the script.

    Example:
        >>> dbr.compat.main(['train_mnist.py', '--epoch', '1'])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(
        prog='python -m dbr.compat',
        description='Runs a Chainer script with `import chainer` resolved to dbr '
                    '(and `import chainerx` to a stand-in that reports it unavailable).')
    parser.add_argument('script', help='path of the Python script to run')
    parser.add_argument('args', nargs=argparse.REMAINDER, help='arguments for the script')
    ns = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    install_chainer_alias()
    sys.argv = [ns.script] + ns.args
    sys.path.insert(0, os.path.dirname(os.path.abspath(ns.script)))
    runpy.run_path(ns.script, run_name='__main__')
    return 0


if __name__ == '__main__':
    # Run the imported ``dbr.compat`` rather than this ``__main__`` copy, so that the script
    # and its child processes share one finder.
    from dbr.compat import main as _main
    sys.exit(_main())
