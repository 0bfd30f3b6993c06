"""``dbr.functions`` (conventionally ``F``): every op, re-exported flat (``F.relu``).

Each category package lists its functions in ``EXPORTS``; a function's module is imported the
first time ``F.<name>`` is read, so ``import dbr`` stays fast however many ops exist.

Example:
    >>> import dbr.functions as F
    >>> F.tanh(numpy.zeros(2, 'f')).array
    array([0., 0.], dtype=float32)
"""
from dbr._lazy import flat_namespace

CATEGORIES = ('activation', 'array', 'connection', 'evaluation', 'loss', 'math', 'noise',
              'normalization', 'pooling', 'resize', 'rnn', 'util')

_EXPORTS, __getattr__, __dir__ = flat_namespace(__name__, CATEGORIES)
__all__ = sorted(_EXPORTS)
