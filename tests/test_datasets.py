"""dbr.datasets and dbr.dataset.DatasetMixin: indexing, lengths, splits, errors."""
import numpy
import pytest

from dbr import dataset, datasets


def _ids(subset):
    """Base-dataset ids of a subset of ``numpy.arange``-like data, as a list of ints."""
    return [int(x) for x in subset[:]]


# --- DatasetMixin ---------------------------------------------------------------------------

class _Squares(dataset.DatasetMixin):
    def __len__(self):
        return 6

    def get_example(self, i):
        return i * i


def test_dataset_mixin_indexing():
    ds = _Squares()
    assert ds[3] == 9
    assert ds[1:5:2] == [1, 9]
    assert ds[-2:] == [16, 25]
    assert ds[::-2] == [25, 9, 1]
    assert ds[[4, 0]] == [16, 0]
    assert ds[numpy.array([2, 1])] == [4, 1]
    assert ds[10:] == []


def test_dataset_mixin_unimplemented():
    class Empty(dataset.DatasetMixin):
        pass
    with pytest.raises(NotImplementedError, match='Empty does not implement get_example'):
        Empty()[0]
    with pytest.raises(NotImplementedError, match='Empty does not implement __len__'):
        len(Empty())


# --- TupleDataset / DictDataset -------------------------------------------------------------

def test_tuple_dataset_indexing():
    x = numpy.arange(12).reshape(4, 3)
    t = numpy.arange(4) * 10
    names = ['a', 'b', 'c', 'd']
    ds = datasets.TupleDataset(x, t, names)
    assert len(ds) == 4
    ex = ds[1]
    assert isinstance(ex, tuple) and len(ex) == 3
    numpy.testing.assert_array_equal(ex[0], x[1])
    assert ex[1] == 10 and ex[2] == 'b'
    last = ds[-1]
    numpy.testing.assert_array_equal(last[0], x[3])
    assert last[2] == 'd'
    for index, expected in [(slice(1, 3), [1, 2]), (slice(None, None, -2), [3, 1])]:
        got = ds[index]  # a slice gives a list of examples
        assert isinstance(got, list) and len(got) == len(expected)
        for example, i in zip(got, expected):
            assert isinstance(example, tuple)
            numpy.testing.assert_array_equal(example[0], x[i])
            assert example[1] == t[i] and example[2] == names[i]
    for index in ([3, 0, 0], numpy.array([2, -4])):
        bx, bt, bnames = ds[index]  # a list of indices gives a tuple of batches (Chainer)
        numpy.testing.assert_array_equal(bx, x[index])
        numpy.testing.assert_array_equal(bt, t[index])
        assert bnames == [names[i] for i in index]
    assert ds[numpy.int64(2)][2] == 'c'


def test_tuple_dataset_single_and_empty_slice():
    ds = datasets.TupleDataset(numpy.arange(3))
    assert ds[0] == (0,)
    assert ds[5:] == []
    empty, = ds[[]]
    assert empty.shape == (0,)


def test_tuple_dataset_errors():
    with pytest.raises(ValueError, match='TupleDataset: no datasets'):
        datasets.TupleDataset()
    with pytest.raises(ValueError, match='TupleDataset: dataset 2 has length 5, but dataset 0 '
                                         'has length 4'):
        datasets.TupleDataset(numpy.zeros(4), [0] * 4, numpy.zeros(5))
    ds = datasets.TupleDataset(numpy.zeros(4), list(range(4)))
    with pytest.raises(IndexError, match='TupleDataset: index 4 is out of range for a dataset '
                                         'of length 4'):
        ds[4]
    with pytest.raises(IndexError, match='TupleDataset: index -5 is out of range'):
        ds[-5]
    with pytest.raises(IndexError, match='TupleDataset: index 7 is out of range'):
        ds[[0, 7]]


def test_dict_dataset():
    x = numpy.arange(8).reshape(4, 2)
    t = [5, 6, 7, 8]
    ds = datasets.DictDataset(x=x, t=t)
    assert len(ds) == 4
    ex = ds[2]
    assert set(ex) == {'x', 't'}
    numpy.testing.assert_array_equal(ex['x'], x[2])
    assert ex['t'] == 7
    got = ds[0:4:3]
    assert [e['t'] for e in got] == [5, 8]
    for e, i in zip(got, [0, 3]):
        numpy.testing.assert_array_equal(e['x'], x[i])
    got = ds[[1, -1]]
    assert set(got) == {'x', 't'} and got['t'] == [6, 8]
    numpy.testing.assert_array_equal(got['x'], x[[1, -1]])
    with pytest.raises(ValueError, match="DictDataset: dataset 't' has length 3, but dataset "
                                         "'x' has length 4"):
        datasets.DictDataset(x=x, t=t[:3])
    with pytest.raises(ValueError, match='DictDataset: no datasets'):
        datasets.DictDataset()
    with pytest.raises(IndexError, match='DictDataset: index 4 is out of range'):
        ds[4]
    with pytest.raises(IndexError, match='DictDataset: index -5 is out of range'):
        ds[[0, -5]]


# --- SubDataset and splits ------------------------------------------------------------------

def test_sub_dataset_indexing():
    base = numpy.arange(10) * 10
    sub = datasets.SubDataset(base, 2, 6)
    assert len(sub) == 4
    assert _ids(sub) == [20, 30, 40, 50]
    assert sub[-1] == 50 and sub[-4] == 20
    assert sub[[3, 0]] == [50, 20]
    order = numpy.arange(10)[::-1]
    sub = datasets.SubDataset(base, 2, 6, order)
    assert _ids(sub) == [70, 60, 50, 40]
    assert sub[-1] == 40
    with pytest.raises(IndexError, match='SubDataset: index 4 is out of range for a dataset of '
                                         'length 4'):
        sub[4]
    with pytest.raises(IndexError, match='SubDataset: index -5 is out of range'):
        sub[-5]


def test_sub_dataset_errors():
    with pytest.raises(ValueError, match=r'SubDataset: the range \[3, 11\) does not fit in a '
                                         r'base dataset of length 10'):
        datasets.SubDataset(numpy.arange(10), 3, 11)
    with pytest.raises(ValueError, match=r'range \[-1, 2\)'):
        datasets.SubDataset(numpy.arange(10), -1, 2)
    with pytest.raises(ValueError, match='SubDataset: order has length 9, but the base dataset '
                                         'has length 10'):
        datasets.SubDataset(numpy.arange(10), 0, 2, numpy.arange(9))


@pytest.mark.parametrize('split_at', [0, 3, 10])
def test_split_dataset(split_at):
    base = numpy.arange(10)
    a, b = datasets.split_dataset(base, split_at)
    assert (len(a), len(b)) == (split_at, 10 - split_at)
    assert _ids(a) + _ids(b) == list(range(10))
    order = numpy.random.RandomState(1).permutation(10)
    a, b = datasets.split_dataset(base, split_at, order)
    assert _ids(a) == order[:split_at].tolist() and _ids(b) == order[split_at:].tolist()


def test_split_dataset_errors():
    with pytest.raises(ValueError, match='split_dataset: split_at=11 is out of range for a '
                                         'dataset of length 10'):
        datasets.split_dataset(numpy.arange(10), 11)
    with pytest.raises(ValueError, match='split_at=-1 is out of range'):
        datasets.split_dataset(numpy.arange(10), -1)
    with pytest.raises(TypeError, match='split_dataset: split_at must be an int, got float'):
        datasets.split_dataset(numpy.arange(10), 0.5)


def test_split_dataset_random():
    base = numpy.arange(20)
    a, b = datasets.split_dataset_random(base, 7, seed=3)
    assert (len(a), len(b)) == (7, 13)
    ids_a, ids_b = _ids(a), _ids(b)
    assert sorted(ids_a + ids_b) == list(range(20))
    assert ids_a != list(range(7))  # shuffled
    a2, b2 = datasets.split_dataset_random(base, 7, seed=3)
    assert _ids(a2) == ids_a and _ids(b2) == ids_b
    a3, _ = datasets.split_dataset_random(base, 7, seed=4)
    assert _ids(a3) != ids_a


def test_split_dataset_n():
    subsets = datasets.split_dataset_n(numpy.arange(11), 3)
    assert [_ids(s) for s in subsets] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    subsets = datasets.split_dataset_n_random(numpy.arange(11), 3, seed=0)
    ids = sum((_ids(s) for s in subsets), [])
    assert [len(s) for s in subsets] == [3, 3, 3] and len(set(ids)) == 9
    with pytest.raises(ValueError, match='split_dataset_n: n must be a positive int, got 0'):
        datasets.split_dataset_n(numpy.arange(3), 0)


@pytest.mark.parametrize('n, n_folds', [(10, 3), (9, 3), (7, 1), (3, 5)])
def test_cross_validation_datasets(n, n_folds):
    folds = datasets.get_cross_validation_datasets(numpy.arange(n), n_folds)
    assert len(folds) == n_folds
    tests = [_ids(test) for _, test in folds]
    assert sorted(sum(tests, [])) == list(range(n))  # test sets are disjoint and cover all
    assert max(map(len, tests)) - min(map(len, tests)) <= 1
    for (train, test), test_ids in zip(folds, tests):
        assert sorted(_ids(train) + test_ids) == list(range(n))
        assert len(train) + len(test) == n


def test_cross_validation_datasets_order_and_random():
    order = numpy.random.RandomState(0).permutation(12)
    folds = datasets.get_cross_validation_datasets(numpy.arange(12), 4, order=order)
    assert sorted(sum((_ids(t) for _, t in folds), [])) == list(range(12))
    assert _ids(folds[0][1]) == order[-3:].tolist()  # the first test fold is the order's end
    rand = datasets.get_cross_validation_datasets_random(numpy.arange(12), 4, seed=0)
    assert [_ids(t) for _, t in rand] == [_ids(t) for _, t in folds]
    legacy = datasets.get_cross_validation_datasets(numpy.arange(12), n_fold=4, order=order)
    assert [_ids(t) for _, t in legacy] == [_ids(t) for _, t in folds]


def test_cross_validation_datasets_errors():
    with pytest.raises(ValueError, match='get_cross_validation_datasets: n_folds must be a '
                                         'positive int, got None'):
        datasets.get_cross_validation_datasets(numpy.arange(4))
    with pytest.raises(TypeError, match=r"unexpected arguments \['folds'\]"):
        datasets.get_cross_validation_datasets_random(numpy.arange(4), 2, folds=3)
    with pytest.raises(TypeError, match='give n_folds only'):
        datasets.get_cross_validation_datasets(numpy.arange(4), 2, n_fold=2)


# --- TransformDataset / ConcatenatedDataset -------------------------------------------------

def test_transform_dataset():
    base = datasets.TupleDataset(numpy.arange(5), numpy.arange(5) * 2)
    ds = datasets.TransformDataset(base, lambda ex: (ex[0] + 100, ex[1]))
    assert len(ds) == 5
    assert ds[2] == (102, 4)
    assert ds[-1] == (104, 8)
    assert ds[1:3] == [(101, 2), (102, 4)]
    assert ds[[4, 0]] == [(104, 8), (100, 0)]
    with pytest.raises(IndexError, match='TupleDataset: index 5 is out of range'):
        ds[5]


def test_concatenated_dataset():
    ds = datasets.ConcatenatedDataset([0, 1, 2], numpy.array([3, 4]), [], [5])
    assert len(ds) == 6
    assert [ds[i] for i in range(6)] == [0, 1, 2, 3, 4, 5]
    assert ds[-1] == 5 and ds[-4] == 2
    assert ds[1:5] == [1, 2, 3, 4]
    assert ds[[5, 3, 0]] == [5, 3, 0]
    with pytest.raises(IndexError, match='ConcatenatedDataset: index 6 is out of range for a '
                                         'dataset of length 6'):
        ds[6]
    with pytest.raises(IndexError, match='ConcatenatedDataset: index -7 is out of range'):
        ds[-7]
    assert len(datasets.ConcatenatedDataset()) == 0
