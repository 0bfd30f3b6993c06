"""dbr.dataset.concat_examples, to_device and the converter decorator."""
import numpy
import pytest

import dbr
from dbr import backend, dataset
from dbr.dataset.convert import _call_converter


def _host(a):
    return backend.to_cpu(a)


def test_concat_tuples(xp):
    x = xp.asarray(numpy.random.rand(4, 2, 3).astype(numpy.float32))
    t = xp.asarray(numpy.arange(4, dtype=numpy.int32))
    batch = [(x[i], t[i]) for i in range(4)]
    cx, ct = dataset.concat_examples(batch)
    assert type(cx) is type(x) and cx.dtype == numpy.float32 and cx.shape == (4, 2, 3)
    numpy.testing.assert_array_equal(_host(cx), _host(x))
    numpy.testing.assert_array_equal(_host(ct), numpy.arange(4))
    assert ct.dtype == numpy.int32


def test_concat_result_types():
    a = numpy.arange(6, dtype=numpy.float32).reshape(3, 2)
    out = dataset.concat_examples([(a[0], 1), (a[1], 2)])
    assert isinstance(out, tuple) and len(out) == 2
    out = dataset.concat_examples([{'x': a[0], 'y': 1}, {'x': a[1], 'y': 2}])
    assert isinstance(out, dict) and set(out) == {'x', 'y'}
    numpy.testing.assert_array_equal(out['x'], a[:2])
    numpy.testing.assert_array_equal(out['y'], [1, 2])
    out = dataset.concat_examples(list(a))
    assert isinstance(out, numpy.ndarray)
    numpy.testing.assert_array_equal(out, a)


def test_concat_python_values_and_numpy_scalars():
    x, t = dataset.concat_examples([([1, 2], 1), ([3, 4], 2), ([5, 6], 3)])
    numpy.testing.assert_array_equal(x, [[1, 2], [3, 4], [5, 6]])
    numpy.testing.assert_array_equal(t, [1, 2, 3])
    labels = numpy.arange(3, dtype=numpy.int32)
    out = dataset.concat_examples([labels[i] for i in range(3)])  # numpy scalars keep dtype
    assert out.dtype == numpy.int32
    numpy.testing.assert_array_equal(out, labels)
    out = dataset.concat_examples([0.5, 1.5])
    numpy.testing.assert_array_equal(out, [0.5, 1.5])


def test_concat_non_contiguous():
    a = numpy.arange(24, dtype=numpy.float64).reshape(2, 3, 4)
    batch = [a[0].T, a[1].T]
    out = dataset.concat_examples(batch)
    numpy.testing.assert_array_equal(out, a.transpose(0, 2, 1))


def _pad_reference(arrays, value, dtype):
    """Plain NumPy reference: each array in the leading corner of the max shape."""
    shape = tuple(max(s) for s in zip(*[a.shape for a in arrays]))
    out = numpy.full((len(arrays),) + shape, value, dtype=dtype)
    for i, a in enumerate(arrays):
        out[(i,) + tuple(slice(0, d) for d in a.shape)] = a
    return out


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.int32])
def test_concat_padding_ragged_1d(xp, dtype):
    arrays = [numpy.arange(n, dtype=dtype) + 1 for n in (3, 1, 0, 5)]
    out = dataset.concat_examples([xp.asarray(a) for a in arrays], padding=-1)
    assert out.dtype == dtype and out.shape == (4, 5)
    numpy.testing.assert_array_equal(_host(out), _pad_reference(arrays, -1, dtype))


def test_concat_padding_ragged_2d(xp):
    arrays = [numpy.random.rand(*s).astype(numpy.float32) for s in [(2, 3), (4, 1), (1, 1)]]
    out = dataset.concat_examples([xp.asarray(a) for a in arrays], padding=0.5)
    assert out.shape == (3, 4, 3)
    numpy.testing.assert_array_equal(_host(out), _pad_reference(arrays, 0.5, numpy.float32))


def test_concat_padding_tuples_and_dicts():
    batch = [(numpy.array([1, 2]), numpy.array([0])),
             (numpy.array([3]), numpy.array([], dtype=int)),
             (numpy.array([], dtype=int), numpy.array([2]))]
    x, y = dataset.concat_examples(batch, padding=(100, 200))
    numpy.testing.assert_array_equal(x, [[1, 2], [3, 100], [100, 100]])
    numpy.testing.assert_array_equal(y, [[0], [200], [2]])
    x, y = dataset.concat_examples(batch, padding=7)
    numpy.testing.assert_array_equal(x, [[1, 2], [3, 7], [7, 7]])
    numpy.testing.assert_array_equal(y, [[0], [7], [2]])
    dicts = [{'w': numpy.array([1, 2, 3]), 'n': 3}, {'w': numpy.array([4]), 'n': 1}]
    out = dataset.concat_examples(dicts, padding={'w': -1, 'n': 0})
    numpy.testing.assert_array_equal(out['w'], [[1, 2, 3], [4, -1, -1]])
    numpy.testing.assert_array_equal(out['n'], [3, 1])
    out = dataset.concat_examples(dicts, padding=0)
    numpy.testing.assert_array_equal(out['w'], [[1, 2, 3], [4, 0, 0]])


def test_concat_padding_python_lists():
    out = dataset.concat_examples([[1, 2, 3], [4]], padding=0)
    numpy.testing.assert_array_equal(out, [[1, 2, 3], [4, 0, 0]])


def test_concat_errors():
    with pytest.raises(ValueError, match='concat_examples: batch is empty'):
        dataset.concat_examples([])
    with pytest.raises(ValueError, match=r"examples \(field 0\) have different shapes "
                                         r"\(1,\), \(2,\); pass padding="):
        dataset.concat_examples([(numpy.zeros(2), 0), (numpy.zeros(1), 1)])
    with pytest.raises(ValueError, match=r"examples \(field 'x'\) have different shapes"):
        dataset.concat_examples([{'x': numpy.zeros(2)}, {'x': numpy.zeros(3)}])
    with pytest.raises(ValueError, match='concat_examples: examples have different shapes; '
                                         'pass padding='):
        dataset.concat_examples([[1, 2], [3]])
    with pytest.raises(ValueError, match=r'cannot pad examples \(field 0\) with different '
                                         r'numbers of dimensions \[1, 2\]'):
        dataset.concat_examples([(numpy.zeros(2),), (numpy.zeros((1, 2)),)], padding=0)
    with pytest.raises(ValueError, match='padding has 3 values but the examples are tuples '
                                         'of 2'):
        dataset.concat_examples([(numpy.zeros(2), 0)], padding=(0, 0, 0))


@pytest.mark.parametrize('device', [None, -1, '@numpy', numpy, dbr.get_device('@numpy')])
def test_concat_host_devices(device):
    a = numpy.arange(6).reshape(2, 3)
    x, t = dataset.concat_examples([(a[0], 0), (a[1], 1)], device)
    assert isinstance(x, numpy.ndarray) and isinstance(t, numpy.ndarray)
    numpy.testing.assert_array_equal(x, a)
    x, t = dataset.concat_examples([(a[0], 0), (a[1], 1)], device=device)
    numpy.testing.assert_array_equal(t, [0, 1])


@pytest.mark.gpu
def test_concat_to_gpu_and_back():
    import cupy
    a = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    for device in (0, '@cupy:0', dbr.get_device('@cupy:0')):
        x, t = dataset.concat_examples([(a[0], 0), (a[1], 1)], device, padding=(None, None))
        assert isinstance(x, cupy.ndarray) and isinstance(t, cupy.ndarray)
        numpy.testing.assert_array_equal(x.get(), a)
    out = dataset.concat_examples([cupy.arange(3), cupy.arange(1)], '@numpy', padding=9)
    assert isinstance(out, numpy.ndarray)
    numpy.testing.assert_array_equal(out, [[0, 1, 2], [0, 9, 9]])


def test_to_device():
    a = numpy.arange(3)
    assert dataset.to_device(None, a) is a
    assert dataset.to_device(-1, a) is a
    out = dataset.to_device('@numpy', {'a': a, 'b': (a, a)})
    assert out['a'] is a and out['b'][1] is a
    with pytest.raises(ValueError, match='unknown device spec'):
        dataset.to_device('@tpu', a)


def test_converter_decorator():
    seen = []

    @dataset.converter()
    def my_converter(batch, device):
        """Doc of my converter."""
        seen.append(device)
        return dataset.concat_examples(batch, device)

    assert isinstance(my_converter, dataset.Converter)
    assert my_converter.__name__ == 'my_converter'
    assert my_converter.__doc__ == 'Doc of my converter.'
    batch = [numpy.zeros(2), numpy.ones(2)]
    for device in (-1, '@numpy', dbr.get_device('@numpy')):
        out = my_converter(batch, device)
        numpy.testing.assert_array_equal(out, [[0, 0], [1, 1]])
    my_converter(batch, device=-1)
    my_converter(batch, None)
    assert seen[:4] == [dbr.get_device('@numpy')] * 4
    assert all(isinstance(d, backend.Device) for d in seen[:4]) and seen[4] is None
    assert isinstance(dataset.concat_examples, dataset.Converter)
    with pytest.raises(TypeError, match='converter: can only wrap a callable, got int'):
        dataset.converter()(3)


def test_call_converter_old_and_new_style():
    got = []

    def old_style(batch, device):
        got.append(device)
        return batch

    class NewStyle(dataset.Converter):
        def __call__(self, batch, device):
            got.append(device)
            return batch

    cpu = dbr.get_device('@numpy')
    _call_converter(old_style, [1], cpu)
    _call_converter(old_style, [1], None)
    _call_converter(NewStyle(), [1], cpu)
    assert got == [-1, None, cpu]
    with pytest.raises(NotImplementedError, match='Converter does not implement __call__'):
        dataset.Converter()([1], None)
