"""``dbr.links`` (conventionally ``L``): every link, re-exported flat (``L.Linear``).

Example:
    >>> import dbr.links as L
    >>> L.Linear(3, 2).W.shape  # doctest: +SKIP
    (2, 3)
"""
from dbr._lazy import flat_namespace

CATEGORIES = ('activation', 'connection', 'loss', 'model', 'normalization', 'rnn')

_EXPORTS, __getattr__, __dir__ = flat_namespace(__name__, CATEGORIES)
__all__ = sorted(_EXPORTS)
