"""Serializers: save and load links, optimizers and anything with ``serialize(serializer)``.

Example:
    >>> dbr.serializers.save_npz('model.npz', model)  # doctest: +SKIP
    >>> dbr.serializers.load_npz('model.npz', model)  # doctest: +SKIP
"""
from dbr.serializers.npz import (Deserializer, DictionarySerializer, NpzDeserializer,  # noqa: F401
                                 Serializer, load_npz, save_npz)
