"""Serialization helpers for iterator state: variable-shape arrays and RNG states."""
import json

import numpy

from dbr.serializers import Deserializer


def serialize_array(serializer, key, array):
    """Saves ``array`` (nothing when None) or returns the saved array, whatever its shape
    (``array`` itself when the snapshot has none)."""
    if isinstance(serializer, Deserializer):
        loaded = serializer(key, None)
        return array if loaded is None else numpy.asarray(loaded)
    serializer(key, array)
    return array


def serialize_random_state(serializer, random_state):
    """Saves or restores a ``numpy.random.RandomState`` or ``Generator``, without pickle.

    A RandomState is stored as its Mersenne Twister key (uint32 array) and scalars; a
    Generator as its bit generator's state in JSON. Restoring the global RandomState (the
    default of :class:`ShuffleOrderSampler`) resets ``numpy.random``'s stream.
    """
    loading = isinstance(serializer, Deserializer)
    if isinstance(random_state, numpy.random.RandomState):
        name, key, pos, has_gauss, gauss = random_state.get_state(legacy=True)
        key = serializer('key', key)
        pos = serializer('pos', int(pos))
        has_gauss = serializer('has_gauss', int(has_gauss))
        gauss = serializer('cached_gaussian', float(gauss))
        if loading:
            random_state.set_state((name, numpy.asarray(key, numpy.uint32), pos, has_gauss,
                                    gauss))
    elif isinstance(random_state, numpy.random.Generator):
        bit_generator = random_state.bit_generator
        state = json.dumps(bit_generator.state, default=_tolist)
        state = serializer('bit_generator_state', state)
        if loading:
            bit_generator.state = json.loads(str(numpy.asarray(state)[()]))
    else:
        raise TypeError(f'iterator: cannot serialize a random state of type '
                        f'{type(random_state).__name__}; use numpy.random.RandomState or '
                        f'numpy.random.Generator')


def _tolist(x):
    if isinstance(x, (numpy.ndarray, numpy.generic)):
        return x.tolist()
    raise TypeError(f'cannot encode {type(x).__name__}')
