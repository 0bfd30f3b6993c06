"""Tests of ``dbr.backend`` and ``dbr.cuda``: array modules, devices, transfers, CuPy absence.

The tests about a missing CuPy run everywhere: where CuPy IS installed they assert the
matching behaviour of an installed CuPy instead (``CUPY`` below), so nothing is skipped.
"""
import importlib.util

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import backend

CUPY = importlib.util.find_spec('cupy') is not None


def _gpu_usable():
    return CUPY and dbr.cuda.available


def _with_cupy_installed(fn):
    """Runs ``fn`` where CuPy is installed: it works with a device; without one it may fail,
    but never with the "CuPy is not installed" hint."""
    if dbr.cuda.available:
        return fn()
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - a CUDA runtime error from CuPy itself
        assert 'cupy-cuda13x' not in str(e)
        return None


# ----- get_array_module --------------------------------------------------------------------------

def test_get_array_module_numpy_inputs():
    x = numpy.zeros(3)
    assert backend.get_array_module(x) is numpy
    assert backend.get_array_module(dbr.Variable(x)) is numpy
    assert backend.get_array_module(x, dbr.Variable(x)) is numpy
    assert backend.get_array_module(1) is numpy
    assert backend.get_array_module(1.5) is numpy
    assert backend.get_array_module(numpy.float32(2)) is numpy
    assert backend.get_array_module(None) is numpy
    assert backend.get_array_module() is numpy


def test_cuda_get_array_module_is_the_backend_one():
    assert dbr.cuda.get_array_module is backend.get_array_module
    assert dbr.cuda.to_cpu is backend.to_cpu
    assert dbr.cuda.get_device_from_array is backend.get_device_from_array


# ----- get_device --------------------------------------------------------------------------------

@pytest.mark.parametrize('spec', ['@numpy', -1, None, numpy, 'cpu', numpy.int64(-1)])
def test_get_device_host_specs(spec):
    dev = dbr.get_device(spec)
    assert isinstance(dev, backend.CpuDevice)
    assert dev.xp is numpy
    assert str(dev) == '@numpy'


def test_get_device_returns_a_device_unchanged():
    dev = backend.CpuDevice()
    assert dbr.get_device(dev) is dev
    assert dbr.get_device is backend.get_device


def test_get_device_unknown_string():
    with pytest.raises(ValueError, match='dbr.get_device') as info:
        dbr.get_device('@tpu')
    assert "'@tpu'" in str(info.value)


@pytest.mark.parametrize('spec', [1.5, True, False, numpy.bool_(True), object()])
def test_get_device_bad_type(spec):
    with pytest.raises(TypeError, match='dbr.get_device'):
        dbr.get_device(spec)


# ----- CpuDevice -------------------------------------------------------------------------------

def test_cpu_device_xp_use_and_context():
    dev = dbr.get_device('@numpy')
    assert dev.xp is numpy
    assert dev.use() is None
    with dev as entered:
        assert entered is dev
        assert backend.get_array_module(dev.xp.zeros(2)) is numpy


def test_cpu_device_send_array_and_containers():
    dev = dbr.get_device('@numpy')
    a = numpy.arange(3.0)
    b = numpy.ones((2, 2), numpy.float32)
    assert dev.send(a) is a
    assert dev.send(None) is None

    lst = dev.send([a, b])
    assert isinstance(lst, list) and lst[0] is a and lst[1] is b

    tup = dev.send((a, None, b))
    assert isinstance(tup, tuple) and tup[0] is a and tup[1] is None and tup[2] is b

    dct = dev.send({'a': a, 'nested': [b, (a,)]})
    assert isinstance(dct, dict) and set(dct) == {'a', 'nested'}
    assert dct['a'] is a
    assert dct['nested'][0] is b and dct['nested'][1][0] is a


def test_cpu_device_equality_hash_str():
    d1 = backend.CpuDevice()
    d2 = dbr.get_device('@numpy')
    assert d1 == d2
    assert not (d1 != d2)
    assert hash(d1) == hash(d2)
    assert len({d1, d2}) == 1
    assert str(d1) == '@numpy'
    assert '@numpy' in repr(d1)
    assert d1 != object()


def test_get_device_from_array():
    x = numpy.zeros((2, 3), numpy.float32)
    assert backend.get_device_from_array(x) == dbr.get_device('@numpy')
    assert backend.get_device_from_array(dbr.Variable(x)) == dbr.get_device('@numpy')
    assert backend.get_device_from_array(numpy.float32(1)) == dbr.get_device('@numpy')
    assert dbr.Variable(x).device == dbr.get_device('@numpy')


# ----- to_cpu / to_device ------------------------------------------------------------------------

def test_to_cpu_passes_host_values_through():
    x = numpy.arange(4.0)
    s = numpy.float32(1.5)
    assert backend.to_cpu(x) is x
    assert backend.to_cpu(s) is s
    assert backend.to_cpu(None) is None
    assert backend.to_cpu(3) == 3
    assert backend.to_cpu(2.5) == 2.5
    lst = backend.to_cpu([x, None])
    assert isinstance(lst, list) and lst[0] is x and lst[1] is None
    tup = backend.to_cpu((x, x))
    assert isinstance(tup, tuple) and tup[0] is x and tup[1] is x
    assert dbr.cuda.to_cpu(x) is x


@pytest.mark.parametrize('value', ['abc', object(), {1: 2}])
def test_to_cpu_rejects_non_arrays(value):
    with pytest.raises(TypeError, match='to_cpu'):
        backend.to_cpu(value)


def test_to_device_host():
    x = numpy.arange(3.0)
    assert backend.to_device('@numpy', x) is x
    assert backend.to_device(-1, [x])[0] is x


# ----- Variable transfers on the host ----------------------------------------------------------

def test_variable_to_cpu_keeps_data_and_grad():
    data = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    grad = numpy.full((2, 3), 0.25, numpy.float32)
    v = dbr.Variable(data.copy(), grad=grad.copy())
    v.to_cpu()
    assert isinstance(v.array, numpy.ndarray) and isinstance(v.grad, numpy.ndarray)
    numpy.testing.assert_array_equal(v.array, data)
    numpy.testing.assert_array_equal(v.grad, grad)

    v.to_device('@numpy')
    numpy.testing.assert_array_equal(v.array, data)
    numpy.testing.assert_array_equal(v.grad, grad)
    assert v.device == dbr.get_device('@numpy')


def test_variable_to_cpu_without_grad():
    v = dbr.Variable(numpy.ones(3))
    v.to_device(dbr.get_device('@numpy'))
    assert v.grad is None
    numpy.testing.assert_array_equal(v.array, numpy.ones(3))


# ----- CuPy absent (or, where installed, its counterpart) --------------------------------------

def test_cuda_module_attributes():
    x = numpy.zeros(3)
    assert isinstance(dbr.cuda.ndarray, type)
    assert not isinstance(x, dbr.cuda.ndarray)
    assert isinstance(dbr.cuda.available, bool)
    if not CUPY:
        assert dbr.cuda.available is False
        assert dbr.cuda.cupy is None
    else:
        import cupy
        assert dbr.cuda.cupy is cupy
        assert dbr.cuda.ndarray is cupy.ndarray
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception:  # noqa: BLE001 - no driver: CuPy raises its own error
            count = 0
        assert dbr.cuda.available == (count > 0)


def test_cuda_to_gpu():
    x = numpy.arange(3, dtype=numpy.float32)
    if not CUPY:
        with pytest.raises(RuntimeError, match='cupy-cuda13x'):
            dbr.cuda.to_gpu(x)
        return
    g = _with_cupy_installed(lambda: dbr.cuda.to_gpu(x))
    if _gpu_usable():
        import cupy
        assert isinstance(g, cupy.ndarray)
        numpy.testing.assert_array_equal(cupy.asnumpy(g), x)


def test_cuda_get_device_from_id():
    if not CUPY:
        with pytest.raises(RuntimeError, match='cupy-cuda13x'):
            dbr.cuda.get_device_from_id(0)
        return
    dev = _with_cupy_installed(lambda: dbr.cuda.get_device_from_id(0))
    if _gpu_usable():
        import cupy
        assert isinstance(dev, cupy.cuda.Device) and dev.id == 0


def test_check_cuda_available():
    if not CUPY:
        with pytest.raises(RuntimeError, match='cupy-cuda13x'):
            dbr.cuda.check_cuda_available()
    elif dbr.cuda.available:
        assert dbr.cuda.check_cuda_available() is None
    else:
        with pytest.raises(RuntimeError):
            dbr.cuda.check_cuda_available()


@pytest.mark.parametrize('spec', ['@cupy:0', 0, 'cuda:0'])
def test_get_device_gpu_spec(spec):
    if not CUPY:
        with pytest.raises(RuntimeError, match='cupy-cuda13x'):
            dbr.get_device(spec)
        return
    dev = _with_cupy_installed(lambda: dbr.get_device(spec))
    if _gpu_usable():
        import cupy
        assert dev.xp is cupy
        assert str(dev) == '@cupy:0'


def test_variable_to_gpu():
    data = numpy.arange(3, dtype=numpy.float32)
    v = dbr.Variable(data.copy())
    if not CUPY:
        with pytest.raises(RuntimeError, match='cupy-cuda13x'):
            v.to_gpu()
        # The failed transfer left the variable as it was.
        assert isinstance(v.array, numpy.ndarray)
        numpy.testing.assert_array_equal(v.array, data)
        return
    _with_cupy_installed(v.to_gpu)
    if _gpu_usable():
        import cupy
        assert isinstance(v.array, cupy.ndarray)
        numpy.testing.assert_array_equal(cupy.asnumpy(v.array), data)


# ----- on a GPU ------------------------------------------------------------------------------

@pytest.mark.gpu
def test_gpu_variable_round_trip_keeps_values_and_grad():
    import cupy
    data = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    grad = numpy.full((2, 3), 0.5, numpy.float32)
    v = dbr.Variable(data.copy(), grad=grad.copy())
    v.to_gpu()
    assert isinstance(v.array, cupy.ndarray) and isinstance(v.grad, cupy.ndarray)
    assert backend.get_array_module(v) is cupy
    assert v.device == dbr.get_device('@cupy:0')
    numpy.testing.assert_array_equal(cupy.asnumpy(v.array), data)
    numpy.testing.assert_array_equal(cupy.asnumpy(v.grad), grad)
    v.to_cpu()
    assert isinstance(v.array, numpy.ndarray) and isinstance(v.grad, numpy.ndarray)
    numpy.testing.assert_array_equal(v.array, data)
    numpy.testing.assert_array_equal(v.grad, grad)
    v.to_device('@cupy:0')
    assert isinstance(v.array, cupy.ndarray) and isinstance(v.grad, cupy.ndarray)
    v.to_device('@numpy')
    numpy.testing.assert_array_equal(v.grad, grad)


@pytest.mark.gpu
def test_gpu_device_send():
    import cupy
    dev = dbr.get_device('@cupy:0')
    assert dev.xp is cupy
    assert dev == dbr.get_device(0)
    assert dev != dbr.get_device('@numpy')
    a = numpy.arange(4.0)
    g = dev.send(a)
    assert isinstance(g, cupy.ndarray) and g.device.id == 0
    numpy.testing.assert_array_equal(cupy.asnumpy(g), a)
    out = dev.send({'x': [a, None], 'y': (a,)})
    assert isinstance(out['x'][0], cupy.ndarray) and out['x'][1] is None
    assert isinstance(out['y'], tuple) and isinstance(out['y'][0], cupy.ndarray)
    with dev as entered:
        assert entered is dev
    back = dbr.get_device('@numpy').send(g)
    assert isinstance(back, numpy.ndarray)
    numpy.testing.assert_array_equal(back, a)
    assert backend.get_device_from_array(g) == dev
    assert backend.to_cpu(g).__class__ is numpy.ndarray


@pytest.mark.gpu
def test_gpu_add_rejects_mixed_numpy_and_cupy():
    import cupy
    a = dbr.Variable(numpy.ones(3, numpy.float32))
    b = dbr.Variable(cupy.ones(3, numpy.float32))
    with pytest.raises(TypeError, match='mix NumPy and CuPy') as info:
        F.add(a, b)
    assert str(info.value).startswith('add')


@pytest.mark.gpu
def test_gpu_get_device_from_id_rejects_bad_ids():
    assert dbr.cuda.get_device_from_id(0).id == 0
    for bad in (-1, True, 1.0):
        with pytest.raises(ValueError, match='get_device_from_id'):
            dbr.cuda.get_device_from_id(bad)


def test_get_device_accepts_numeric_strings():
    assert dbr.get_device('-1') == dbr.get_device('@numpy')
    if CUPY:
        assert dbr.get_device('0').name == '@cupy:0'
    else:
        with pytest.raises(RuntimeError, match='cupy-cuda13x'):
            dbr.get_device('0')
