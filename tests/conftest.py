"""Shared fixtures: the ``xp`` backend fixture, the ``gpu`` marker, and a fixed seed."""
import functools

import numpy
import pytest


@functools.lru_cache(maxsize=None)
def _gpu_available():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver, or no device: all mean "no GPU here"
        return False


def pytest_collection_modifyitems(config, items):
    # The marker itself, not the keyword: a folder named `gpu` would match the keyword.
    gpu_items = [item for item in items if item.get_closest_marker('gpu') is not None]
    if gpu_items and not _gpu_available():
        skip = pytest.mark.skip(reason='needs CuPy and a CUDA device')
        for item in gpu_items:
            item.add_marker(skip)


@pytest.fixture(params=['numpy', pytest.param('cupy', marks=pytest.mark.gpu)])
def xp(request):
    """The array module under test: NumPy always, CuPy on machines with a GPU."""
    if request.param == 'numpy':
        return numpy
    import cupy
    return cupy


@pytest.fixture(autouse=True)
def _seed():
    numpy.random.seed(0)
