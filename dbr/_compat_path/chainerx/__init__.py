"""ChainerX as dbr's chainer alias presents it: not available.

dbr runs on NumPy and CuPy only. Chainer v7 scripts import ``chainerx`` to ask
``chainerx.is_available()`` or to test ``device.xp is chainerx``; both give the answer of a
Chainer built without ChainerX. Any other name raises an AttributeError that says so.
"""


def is_available():
    """Returns False: dbr has no ChainerX."""
    return False


class ndarray:
    """Placeholder type, so that ``isinstance(x, chainerx.ndarray)`` is False for every array."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError('chainerx.ndarray: dbr has no ChainerX; use NumPy arrays ("@numpy") or '
                           'CuPy arrays ("@cupy:N")')


def __getattr__(name):
    raise AttributeError(f'chainerx.{name}: dbr runs without ChainerX (chainerx.is_available() is '
                         f'False); use the "@numpy" or "@cupy:N" devices')
