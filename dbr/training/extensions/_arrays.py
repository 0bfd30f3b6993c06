"""Bringing many small device arrays to the host with one transfer (one sync) per device."""
import numpy

from dbr import backend


def to_host_float64(arrays):
    """Returns each array of ``arrays`` as a float64 NumPy array of the same shape.

    NumPy arrays are converted in place of a copy where possible; CuPy arrays on one device
    are concatenated there and copied in one go, so reading N statistics costs one
    synchronization instead of N.
    """
    out = [None] * len(arrays)
    by_device = {}
    for i, a in enumerate(arrays):
        if backend.is_gpu_array(a):
            by_device.setdefault(a.device.id, []).append(i)
        else:
            out[i] = numpy.asarray(a, dtype=numpy.float64)
    for indexes in by_device.values():
        parts = [arrays[i] for i in indexes]
        xp = backend.get_array_module(parts[0])
        with backend.get_device_from_array(parts[0]):
            flat = xp.concatenate([p.astype(numpy.float64).ravel() for p in parts])
        host = backend.to_cpu(flat)
        offset = 0
        for i, p in zip(indexes, parts):
            out[i] = host[offset:offset + p.size].reshape(p.shape)
            offset += p.size
    return out
