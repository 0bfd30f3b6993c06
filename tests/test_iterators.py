"""dbr.iterators: epoch arithmetic, shuffling, serialization and exact resume."""
import json
import os
import pathlib
import subprocess
import sys

import numpy
import pytest

from dbr import datasets, iterators, serializers

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _ints(batch):
    return [int(x) for x in batch]


def _plain(batch):
    """A batch of numbers or arrays as nested Python lists, for comparisons."""
    return [numpy.asarray(x).tolist() for x in batch]


def _save(it):
    s = serializers.DictionarySerializer()
    s.save(it)
    return s.target


def _load(target, it):
    d = serializers.NpzDeserializer(target)
    d.load(it)
    assert d.used == set(target)  # every saved value was read back
    return it


def _sampler(seed):
    return iterators.ShuffleOrderSampler(numpy.random.RandomState(seed))


def test_lazy_submodules():
    code = ('import json, sys, dbr\n'
            'before = [m for m in ("dbr.dataset", "dbr.datasets", "dbr.iterators") '
            'if m in sys.modules]\n'
            'ok = [dbr.iterators.SerialIterator is not None, '
            'dbr.datasets.TupleDataset is not None, dbr.dataset.concat_examples is not None]\n'
            'print(json.dumps([before, ok]))')
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, '-W', 'error', '-c', code], env=env, cwd=str(ROOT),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [[], [True, True, True]]


# --- SerialIterator -------------------------------------------------------------------------

def test_serial_divisible():
    it = iterators.SerialIterator(numpy.arange(6), 3, shuffle=False)
    assert (it.epoch, it.epoch_detail, it.previous_epoch_detail, it.is_new_epoch) == \
        (0, 0., None, False)
    expected = [([0, 1, 2], 0, .5, 0., False), ([3, 4, 5], 1, 1., .5, True),
                ([0, 1, 2], 1, 1.5, 1., False), ([3, 4, 5], 2, 2., 1.5, True)]
    for batch, epoch, detail, previous, new in expected:
        assert _ints(next(it)) == batch
        assert (it.epoch, it.epoch_detail, it.previous_epoch_detail, it.is_new_epoch) == \
            (epoch, detail, previous, new)
    assert it.current_position == 0 and it.batch_size == 3 and it.repeat


def test_serial_non_divisible_wraps():
    it = iterators.SerialIterator(numpy.arange(5), 2, shuffle=False)
    expected = [([0, 1], 0, 2), ([2, 3], 0, 4), ([4, 0], 1, 1), ([1, 2], 1, 3), ([3, 4], 2, 0),
                ([0, 1], 2, 2)]
    for batch, epoch, position in expected:
        assert _ints(next(it)) == batch
        assert (it.epoch, it.current_position) == (epoch, position)
        assert it.epoch_detail == pytest.approx(epoch + position / 5)
        assert it.is_new_epoch == (batch in ([4, 0], [3, 4]))


def test_serial_batch_larger_than_dataset():
    it = iterators.SerialIterator(numpy.arange(3), 7, shuffle=False)
    assert _ints(next(it)) == [0, 1, 2, 0, 1, 2, 0]
    assert (it.epoch, it.current_position, it.is_new_epoch) == (2, 1, True)
    assert it.epoch_detail == pytest.approx(2 + 1 / 3)
    it = iterators.SerialIterator(numpy.arange(3), 7, repeat=False, shuffle=False)
    assert _ints(next(it)) == [0, 1, 2]
    with pytest.raises(StopIteration):
        next(it)


def test_serial_no_repeat():
    it = iterators.SerialIterator(numpy.arange(5), 2, repeat=False, shuffle=False)
    assert [_ints(b) for b in it] == [[0, 1], [2, 3], [4]]
    assert (it.epoch, it.is_new_epoch, it.epoch_detail) == (1, True, 1.)
    with pytest.raises(StopIteration):
        next(it)
    it.reset()
    assert (it.epoch, it.epoch_detail, it.previous_epoch_detail) == (0, 0., None)
    assert [_ints(b) for b in it] == [[0, 1], [2, 3], [4]]
    it = iterators.SerialIterator(numpy.arange(4), 2, repeat=False, shuffle=True)
    assert sorted(sum((_ints(b) for b in it), [])) == [0, 1, 2, 3]


def test_serial_empty_dataset():
    it = iterators.SerialIterator([], 2, repeat=False, shuffle=False)
    assert list(it) == [[]]
    it = iterators.SerialIterator([], 2)
    with pytest.raises(ValueError, match='SerialIterator: cannot repeat over an empty dataset'):
        next(it)


@pytest.mark.parametrize('n, batch_size', [(12, 4), (10, 3), (7, 8)])
def test_serial_shuffle_covers_each_epoch(n, batch_size):
    it = iterators.SerialIterator(numpy.arange(n), batch_size)
    stream = []
    while it.epoch < 4:
        stream += _ints(next(it))
    epochs = [stream[k * n:(k + 1) * n] for k in range(4)]
    for order in epochs:  # every example exactly once per epoch
        assert sorted(order) == list(range(n))
    assert len({tuple(order) for order in epochs}) > 1  # reshuffled


def test_serial_dataset_examples_and_order_sampler():
    x = numpy.arange(12).reshape(6, 2)
    ds = datasets.TupleDataset(x, numpy.arange(6))
    it = iterators.SerialIterator(ds, 4, order_sampler=_sampler(0))
    order = numpy.random.RandomState(0).permutation(6)
    batch = next(it)
    assert [int(t) for _, t in batch] == order[:4].tolist()
    numpy.testing.assert_array_equal(batch[0][0], x[order[0]])

    class Reverse(iterators.OrderSampler):
        def __call__(self, current_order, current_position):
            return numpy.arange(len(current_order))[::-1]

    it = iterators.SerialIterator(numpy.arange(4), 3, order_sampler=Reverse())
    assert [_ints(next(it)) for _ in range(3)] == [[3, 2, 1], [0, 3, 2], [1, 0, 3]]


def test_serial_errors():
    with pytest.raises(ValueError, match='SerialIterator: give either shuffle or '
                                         'order_sampler'):
        iterators.SerialIterator(numpy.arange(3), 1, shuffle=True, order_sampler=_sampler(0))
    with pytest.raises(ValueError, match='SerialIterator: batch_size must be a positive int, '
                                         'got 0'):
        iterators.SerialIterator(numpy.arange(3), 0)
    with pytest.raises(ValueError, match='SerialIterator: the order sampler returned an order '
                                         'of length 2 for a dataset of length 3'):
        iterators.SerialIterator(numpy.arange(3), 2,
                                 order_sampler=lambda order, pos: numpy.arange(2))
    it = iterators.SerialIterator(numpy.arange(3), 2,
                                  order_sampler=lambda order, pos: numpy.arange(pos or 3))
    next(it)
    with pytest.raises(ValueError, match='SerialIterator: the order sampler returned an order '
                                         'of length 2, but the '
                                         'previous order has length 3'):
        next(it)
    with pytest.raises(NotImplementedError, match='OrderSampler does not implement __call__'):
        iterators.OrderSampler()(numpy.arange(3), 0)


def _resume_check(make, n_before, n_after, consume_global_rng):
    """Runs ``make()`` for n_before + n_after batches, snapshotting after n_before; a fresh
    iterator loaded from the snapshot (after the global RNG was disturbed) must return the
    same later batches, drawing the same global random numbers in between."""
    numpy.random.seed(7)
    it = make()
    for _ in range(n_before):
        next(it)
        if consume_global_rng:
            numpy.random.rand()  # e.g. dropout between batches
    snapshot = _save(it)
    rng_state = numpy.random.get_state()
    expected = []
    for _ in range(n_after):
        expected.append((_plain(next(it)), it.epoch, it.epoch_detail, it.is_new_epoch,
                         it.previous_epoch_detail,
                         numpy.random.rand() if consume_global_rng else None))
    it.finalize()

    numpy.random.seed(123)
    resumed = make()
    numpy.random.rand(3)
    if consume_global_rng:
        numpy.random.set_state(rng_state)  # what the trainer snapshot restores, if anything
    _load(snapshot, resumed)
    got = []
    for _ in range(n_after):
        got.append((_plain(next(resumed)), resumed.epoch, resumed.epoch_detail,
                    resumed.is_new_epoch, resumed.previous_epoch_detail,
                    numpy.random.rand() if consume_global_rng else None))
    resumed.finalize()
    assert got == expected


@pytest.mark.parametrize('n_before', [0, 1, 3, 4, 7])
@pytest.mark.parametrize('global_rng', [False, True])
def test_serial_resume_global_rng(n_before, global_rng):
    # Default sampler: the global numpy RandomState, restored from the iterator's snapshot.
    _resume_check(lambda: iterators.SerialIterator(numpy.arange(10), 3), n_before, 12,
                  global_rng)


@pytest.mark.parametrize('random_state', [numpy.random.RandomState, numpy.random.default_rng])
def test_serial_resume_own_rng(random_state):
    def make():
        sampler = iterators.ShuffleOrderSampler(random_state(5))
        return iterators.SerialIterator(numpy.arange(7), 3, order_sampler=sampler)
    _resume_check(make, 5, 10, False)


def test_serial_resume_no_shuffle_and_npz_file(tmp_path):
    it = iterators.SerialIterator(numpy.arange(5), 2, shuffle=False)
    next(it), next(it)
    serializers.save_npz(tmp_path / 'it.npz', it)
    resumed = iterators.SerialIterator(numpy.arange(5), 2, shuffle=False)
    serializers.load_npz(tmp_path / 'it.npz', resumed)
    assert (resumed.epoch_detail, resumed.previous_epoch_detail) == (0.8, 0.4)
    assert [_ints(next(resumed)) for _ in range(2)] == [[4, 0], [1, 2]]

    shuffled = iterators.SerialIterator(numpy.arange(5), 2)
    next(shuffled)
    serializers.save_npz(tmp_path / 'shuffled.npz', shuffled)
    with pytest.raises(ValueError, match='holds an order of length 5, but the dataset has '
                                         'length 6'):
        serializers.load_npz(tmp_path / 'shuffled.npz', iterators.SerialIterator(
            numpy.arange(6), 2))


def test_serial_previous_epoch_detail_roundtrip():
    it = iterators.SerialIterator(numpy.arange(4), 2, shuffle=False)
    snapshot = _save(it)
    assert float(snapshot['previous_epoch_detail']) == -1.
    fresh = _load(snapshot, iterators.SerialIterator(numpy.arange(4), 2, shuffle=False))
    assert fresh.previous_epoch_detail is None and fresh.is_new_epoch is False


# --- MultithreadIterator --------------------------------------------------------------------

@pytest.mark.parametrize('n, batch_size, repeat, n_threads',
                         [(10, 3, True, 1), (10, 3, True, 4), (9, 3, True, 2),
                          (4, 9, True, 3), (10, 4, False, 2), (5, 5, False, 8)])
@pytest.mark.parametrize('shuffle', [True, False])
def test_multithread_equals_serial(n, batch_size, repeat, n_threads, shuffle):
    ds = datasets.TupleDataset(numpy.arange(n), numpy.arange(n) * 2)

    def kwargs():
        return {'order_sampler': _sampler(3)} if shuffle else {'shuffle': False}

    serial = iterators.SerialIterator(ds, batch_size, repeat, **kwargs())
    with iterators.MultithreadIterator(ds, batch_size, repeat, n_threads=n_threads,
                                       **kwargs()) as threaded:
        for _ in range(3 * n // batch_size + 2):
            try:
                expected = next(serial)
            except StopIteration:
                with pytest.raises(StopIteration):
                    next(threaded)
                break
            assert next(threaded) == expected
            for attr in ('epoch', 'epoch_detail', 'previous_epoch_detail', 'is_new_epoch',
                         'current_position'):
                assert getattr(threaded, attr) == getattr(serial, attr), attr


@pytest.mark.parametrize('n_before', [0, 2, 3, 5, 6])
@pytest.mark.parametrize('global_rng', [False, True])
def test_multithread_resume(n_before, global_rng):
    # n=8, batch 3: the prefetch after batch 2 crosses the epoch and draws the next order
    # before the snapshot; the resumed run must neither redraw it nor shift the global RNG.
    _resume_check(lambda: iterators.MultithreadIterator(numpy.arange(8), 3, n_threads=2),
                  n_before, 10, global_rng)


def test_multithread_resume_large_batch():
    # One batch spans several epochs: the prefetch draws several orders.
    _resume_check(lambda: iterators.MultithreadIterator(numpy.arange(3), 8, n_threads=2),
                  2, 4, True)


def test_multithread_finalize_then_continue():
    ds = numpy.arange(6)
    serial = iterators.SerialIterator(ds, 4, order_sampler=_sampler(1))
    threaded = iterators.MultithreadIterator(ds, 4, order_sampler=_sampler(1))
    for _ in range(5):
        assert _ints(next(threaded)) == _ints(next(serial))
        threaded.finalize()  # the dropped prefetch's orders are reused, not redrawn
    threaded.finalize()


def test_multithread_errors_propagate():
    class Broken:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 2:
                raise KeyError('bad example 2')
            return i

    with iterators.MultithreadIterator(Broken(), 4, shuffle=False, n_threads=2) as it:
        with pytest.raises(KeyError, match='bad example 2'):
            next(it)
    with pytest.raises(ValueError, match='MultithreadIterator: n_threads must be a positive '
                                         'int, got 0'):
        iterators.MultithreadIterator(numpy.arange(3), 1, n_threads=0)


# --- ParallelSequentialIterator -------------------------------------------------------------

def test_parallel_sequential_offsets_and_targets():
    tokens = numpy.arange(10) * 10
    it = iterators.ParallelSequentialIterator(tokens, 3)
    numpy.testing.assert_array_equal(it.offsets, [0, 3, 6])
    for step in range(8):
        batch = next(it)
        assert len(batch) == 3
        positions = (numpy.array([0, 3, 6]) + step) % 10
        assert [(int(x), int(t)) for x, t in batch] == \
            [(int(tokens[p]), int(tokens[(p + 1) % 10])) for p in positions]
        assert it.iteration == step + 1
        assert it.epoch_detail == pytest.approx((step + 1) * 3 / 10)
        assert it.epoch == (step + 1) * 3 // 10
        assert it.is_new_epoch == ((step + 1) in (4, 7))
        assert it.previous_epoch_detail == pytest.approx(step * 3 / 10) if step else \
            it.previous_epoch_detail == 0.


def test_parallel_sequential_no_repeat_and_list_dataset():
    it = iterators.ParallelSequentialIterator(list(range(7)), 2, repeat=False)
    batches = list(it)
    assert len(batches) == 4  # ceil(7 / 2) calls cover every token once
    assert batches[0] == [(0, 1), (3, 4)]
    assert batches[3] == [(3, 4), (6, 0)]
    assert it.epoch == 1
    with pytest.raises(ValueError, match='ParallelSequentialIterator: the dataset is empty'):
        iterators.ParallelSequentialIterator([], 2)
    with pytest.raises(ValueError, match='batch_size must be a positive int'):
        iterators.ParallelSequentialIterator([1, 2], -1)


def test_parallel_sequential_serialize():
    tokens = numpy.random.randint(0, 100, size=23)
    it = iterators.ParallelSequentialIterator(tokens, 4)
    for _ in range(5):
        next(it)
    snapshot = _save(it)
    expected = [next(it) for _ in range(6)]
    resumed = _load(snapshot, iterators.ParallelSequentialIterator(tokens, 4))
    assert (resumed.iteration, resumed.epoch, resumed.is_new_epoch) == (5, 0, False)
    assert resumed.previous_epoch_detail == pytest.approx(16 / 23)
    assert [next(resumed) for _ in range(6)] == expected


# --- BucketIterator -------------------------------------------------------------------------

def _sequences(n, seed=0):
    rs = numpy.random.RandomState(seed)
    return [numpy.arange(rs.randint(1, 50)) for _ in range(n)]


def test_bucket_grouping_and_coverage():
    seqs = _sequences(100)
    n_buckets, batch_size = 5, 8
    # Reference buckets: ranks by (length, index), 20 per bucket.
    ranks = numpy.empty(100, int)
    ranks[sorted(range(100), key=lambda i: (len(seqs[i]), i))] = numpy.arange(100)
    bucket_of = ranks // 20
    ds = datasets.TupleDataset(seqs, numpy.arange(100))
    it = iterators.BucketIterator(ds, batch_size, key=lambda ex: len(ex[0]),
                                  n_buckets=n_buckets, random_state=numpy.random.RandomState(0))
    epochs = []
    for _ in range(3):
        seen, sizes = [], []
        while True:
            batch = next(it)
            ids = [int(t) for _, t in batch]
            buckets = bucket_of[ids]
            assert buckets.max() - buckets.min() <= 1  # at most two adjacent buckets
            seen += ids
            sizes.append(len(batch))
            if it.is_new_epoch:
                break
        assert sorted(seen) == list(range(100))  # every example exactly once per epoch
        assert sorted(sizes) == [4] + [8] * 12
        epochs.append(seen)
    assert epochs[0] != epochs[1]
    assert it.epoch == 3 and it.epoch_detail == 3.


def test_bucket_epoch_arithmetic_and_no_repeat():
    seqs = [numpy.zeros(n) for n in [5, 1, 4, 2, 3, 6, 7]]
    it = iterators.BucketIterator(seqs, 3, n_buckets=2, shuffle=False, repeat=False)
    got = []
    for batch in it:
        got.append(([len(s) for s in batch], it.epoch, it.current_position, it.is_new_epoch))
    assert got == [([1, 2, 3], 0, 3, False), ([4, 5, 6], 0, 6, False), ([7], 1, 0, True)]
    assert it.epoch_detail == 1. and it.previous_epoch_detail == pytest.approx(6 / 7)
    it.reset()
    assert (it.epoch, it.previous_epoch_detail) == (0, None)
    assert [len(s) for s in next(it)] == [1, 2, 3]


def test_bucket_errors():
    with pytest.raises(ValueError, match='BucketIterator: n_buckets must be a positive int, '
                                         'got 0'):
        iterators.BucketIterator([[1]], 1, n_buckets=0)
    with pytest.raises(ValueError, match='BucketIterator: the dataset is empty'):
        iterators.BucketIterator([], 1)
    with pytest.raises(ValueError, match='BucketIterator: batch_size must be a positive int'):
        iterators.BucketIterator([[1]], 0)


@pytest.mark.parametrize('n_before', [0, 5, 13, 20])
def test_bucket_resume(n_before):
    seqs = _sequences(50, seed=1)
    _resume_check(lambda: iterators.BucketIterator(seqs, 4, n_buckets=3),
                  n_before, 20, True)


def test_bucket_resume_wrong_dataset():
    it = iterators.BucketIterator(_sequences(10), 3)
    snapshot = _save(it)
    with pytest.raises(ValueError, match='BucketIterator: the snapshot holds an order of 10 '
                                         'examples in 4 batches, but this iterator has 12 '
                                         'examples in 4 batches'):
        _load(snapshot, iterators.BucketIterator(_sequences(12), 3))


# --- MultiprocessIterator -------------------------------------------------------------------

@pytest.mark.parametrize('n, batch_size, repeat, n_prefetch',
                         [(10, 3, True, 1), (7, 4, True, 3), (10, 4, False, 2)])
def test_multiprocess_equals_serial(n, batch_size, repeat, n_prefetch):
    ds = datasets.TupleDataset(numpy.arange(n), numpy.arange(n) * 2)
    serial = iterators.SerialIterator(ds, batch_size, repeat, order_sampler=_sampler(4))
    with iterators.MultiprocessIterator(ds, batch_size, repeat, n_processes=2,
                                        n_prefetch=n_prefetch,
                                        order_sampler=_sampler(4)) as procs:
        for _ in range(3 * n // batch_size + 2):
            try:
                expected = next(serial)
            except StopIteration:
                with pytest.raises(StopIteration):
                    next(procs)
                break
            got = next(procs)
            assert [tuple(map(int, ex)) for ex in got] == \
                [tuple(map(int, ex)) for ex in expected]
            for attr in ('epoch', 'epoch_detail', 'previous_epoch_detail', 'is_new_epoch'):
                assert getattr(procs, attr) == getattr(serial, attr), attr


@pytest.mark.parametrize('n_before', [1, 4])
def test_multiprocess_resume(n_before):
    # Two batches prefetched: the snapshot holds up to two orders drawn ahead.
    _resume_check(lambda: iterators.MultiprocessIterator(numpy.arange(6), 4, n_processes=2,
                                                         n_prefetch=2),
                  n_before, 6, True)


class _Faulty:
    """Picklable dataset: index 3 raises, index 5 kills the worker, others sleep ``delay``."""

    def __init__(self, delay=0.):
        self.delay = delay

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            raise KeyError('bad example 3')
        if i == 5:
            os._exit(1)
        if self.delay:
            import time
            time.sleep(self.delay)
        return int(i)


def test_multiprocess_worker_errors():
    with iterators.MultiprocessIterator(_Faulty(), 2, shuffle=False, n_processes=2) as it:
        assert next(it) == [0, 1]
        with pytest.raises(KeyError, match='bad example 3'):
            next(it)
        with pytest.raises(RuntimeError, match='MultiprocessIterator: a worker process died'):
            next(it)
    with pytest.raises(ValueError, match='n_prefetch must be a positive int, got 0'):
        iterators.MultiprocessIterator(numpy.arange(3), 1, n_prefetch=0)


def test_multiprocess_timeout_warning():
    with iterators.MultiprocessIterator(_Faulty(delay=0.2), 2, shuffle=False, n_processes=1,
                                        dataset_timeout=0.01) as it:
        with pytest.warns(iterators.MultiprocessIterator.TimeoutWarning,
                          match='loading for more than 0.01 s'):
            assert next(it) == [0, 1]


def test_multiprocess_maxtasksperchild():
    if sys.version_info < (3, 11):   # concurrent.futures restarts workers from 3.11 on
        with pytest.raises(ValueError, match='maxtasksperchild needs Python 3.11 or newer'):
            iterators.MultiprocessIterator(numpy.arange(10), 5, maxtasksperchild=1)
        return
    with iterators.MultiprocessIterator(numpy.arange(10), 5, shuffle=False, n_processes=2,
                                        maxtasksperchild=1) as it:
        assert [_ints(next(it)) for _ in range(4)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]] * 2
