"""Lazy flat namespaces: ``F.relu``, ``L.Linear`` import their module on first use.

Each category package lists its public names in ``EXPORTS`` (name -> module in that package);
the flat namespace collects them and imports a module the first time one of its names is read,
so ``import dbr`` stays fast however many ops and links exist.
"""
import importlib


def flat_namespace(package, categories):
    """Returns ``(exports, __getattr__, __dir__)`` for the flat namespace ``package``.

    Args:
        package (str): The flat namespace's module name, e.g. ``'dbr.functions'``.
        categories (tuple of str): Its category subpackages.

    Raises:
        ImportError: When two categories export the same name.
    """
    exports = {}
    for category in categories:
        sub = importlib.import_module(f'{package}.{category}')
        for name, module in sub.EXPORTS.items():
            if name in exports:
                raise ImportError(f'{package}: {name!r} is exported by both {exports[name]} and '
                                  f'{category}.{module}')
            exports[name] = f'{package}.{category}.{module}'
    namespace = importlib.import_module(package)

    def __getattr__(name):
        path = exports.get(name)
        if path is None:
            raise AttributeError(f'module {package!r} has no attribute {name!r}')
        value = getattr(importlib.import_module(path), name)
        setattr(namespace, name, value)
        return value

    def __dir__():
        return sorted(set(vars(namespace)) | set(exports))

    return exports, __getattr__, __dir__
