"""Run Chainer scripts unchanged: an import hook that resolves ``chainer`` and ``chainer.*`` to dbr.

``install_chainer_alias()`` puts a finder on ``sys.meta_path`` so that ``import chainer``,
``import chainer.functions as F`` and ``from chainer.training import extensions`` return the dbr
modules themselves (one module object under both names, so ``isinstance`` checks and module state
agree). ``python -m dbr.compat script.py [args...]`` runs a script with the alias installed.

A real Chainer installation is shadowed only while the alias is installed; a ``chainer`` module
that is already imported is refused rather than silently mixed with dbr.
"""
import importlib
import importlib.abc
import importlib.util
import runpy
import sys

_ALIAS = 'chainer'


class _ChainerAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``chainer.X`` as ``dbr.X`` and hands back the already-imported dbr module."""

    def __init__(self):
        self._own_specs = {}

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _ALIAS and not fullname.startswith(_ALIAS + '.'):
            return None
        target_name = 'dbr' + fullname[len(_ALIAS):]
        target_spec = importlib.util.find_spec(target_name)
        if target_spec is None:
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


def install_chainer_alias():
    """Makes ``import chainer`` (and every ``chainer.X`` submodule) resolve to dbr.

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
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall_chainer_alias():
    """Removes the alias and forgets the ``chainer.*`` names it created (dbr itself stays loaded).

    Example:
        >>> dbr.compat.uninstall_chainer_alias()
    """
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n == _ALIAS or n.startswith(_ALIAS + '.')]:
        if sys.modules[name].__name__.startswith('dbr'):
            del sys.modules[name]


def main(argv=None):
    """``python -m dbr.compat script.py [args...]``: runs a Chainer script on dbr.

    Example:
        >>> dbr.compat.main(['train_mnist.py', '--epoch', '1'])  # doctest: +SKIP
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print('usage: python -m dbr.compat SCRIPT.py [ARGS...]\n'
              'Runs SCRIPT with `import chainer` resolved to dbr.', file=sys.stderr)
        return 2
    install_chainer_alias()
    sys.argv = argv
    runpy.run_path(argv[0], run_name='__main__')
    return 0


if __name__ == '__main__':
    sys.exit(main())
