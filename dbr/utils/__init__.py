"""Utilities: ``WalkerAlias`` (the sampler behind negative sampling) and ``argument``
(keyword-argument parsing that explains retired arguments).

Example:
    >>> from dbr.utils import WalkerAlias
    >>> WalkerAlias([1, 1]).sample(3).shape
    (3,)
"""
from dbr.utils.sparse import CooMatrix, get_order, to_coo  # noqa: F401
from dbr.utils.walker_alias import WalkerAlias  # noqa: F401
