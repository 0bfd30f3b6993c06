"""``dbr.functions`` (conventionally ``F``): every op, re-exported flat (``F.relu``).

Each category package lists its functions in ``EXPORTS``; a function's module is imported the
first time ``F.<name>`` is read, so ``import dbr`` stays fast however many ops exist.

Example:
    >>> import dbr.functions as F
    >>> F.tanh(numpy.zeros(2, 'f')).array
    array([0., 0.], dtype=float32)
"""
import importlib

CATEGORIES = ('activation', 'array', 'connection', 'evaluation', 'loss', 'math', 'noise',
              'normalization', 'pooling', 'resize')


def _collect():
    table = {}
    for category in CATEGORIES:
        package = importlib.import_module(f'{__name__}.{category}')
        for name, module in package.EXPORTS.items():
            if name in table:
                raise ImportError(f'dbr.functions: {name!r} is exported by both {table[name]} '
                                  f'and {category}.{module}')
            table[name] = f'{__name__}.{category}.{module}'
    return table


_EXPORTS = _collect()
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    path = _EXPORTS.get(name)
    if path is None:
        raise AttributeError(f"module 'dbr.functions' has no attribute {name!r}")
    value = getattr(importlib.import_module(path), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
