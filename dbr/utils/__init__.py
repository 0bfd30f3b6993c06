"""Utilities: ``WalkerAlias`` (the sampler behind negative sampling).

Example:
    >>> from dbr.utils import WalkerAlias
    >>> WalkerAlias([1, 1]).sample(3).shape
    (3,)
"""
from dbr.utils.walker_alias import WalkerAlias  # noqa: F401
