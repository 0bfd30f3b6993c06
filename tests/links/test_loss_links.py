"""Tests of ``L.NegativeSampling`` and of its sampler, ``dbr.utils.WalkerAlias``."""
import copy
import io

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import backend
from dbr import gradient_check
from dbr import optimizers
from dbr import serializers
from dbr.utils import WalkerAlias

from _link_helpers import device_of, to_cpu

COUNTS = [5, 0, 3, 12, 1, 7, 2]


def _chi_square(samples, probs):
    """Pearson's statistic of ``samples`` against ``probs`` (categories with p > 0), and its df.

    Also asserts that no category of probability 0 was drawn.
    """
    samples = to_cpu(samples).ravel()
    probs = numpy.asarray(probs, numpy.float64) / numpy.sum(probs)
    observed = numpy.bincount(samples, minlength=probs.size)
    assert observed.size == probs.size
    assert observed[probs == 0].sum() == 0
    expected = samples.size * probs[probs > 0]
    stat = float(((observed[probs > 0] - expected) ** 2 / expected).sum())
    return stat, expected.size - 1


def _assert_fits(samples, probs):
    stat, df = _chi_square(samples, probs)
    # Chi-square with df degrees of freedom: mean df, std sqrt(2 df); 6 std is far in the tail.
    # (With a single category, df = 0 and the statistic is exactly 0.)
    assert stat <= df + 6 * numpy.sqrt(2 * df), (stat, df)


def _ns(xp=numpy, dtype=None, sample_size=3, in_size=4):
    ns = L.NegativeSampling(in_size, COUNTS, sample_size, dtype=dtype).to_device(device_of(xp))
    ns.W.array[...] = xp.asarray(numpy.random.normal(size=ns.W.shape))
    return ns


def _inputs(xp, dtype=numpy.float32, n=5, in_size=4):
    x = numpy.random.normal(size=(n, in_size)).astype(dtype)
    t = numpy.array([0, 3, -1, 6, 2][:n], numpy.int32)
    return xp.asarray(x), xp.asarray(t)


# ----- WalkerAlias -----------------------------------------------------------------------------

@pytest.mark.parametrize('probs', [
    [5, 3, 4, 1, 2],
    [0.1, 0.0, 0.6, 0.0, 0.3],
    [1],
    [1e-3] + [1.0] * 20,
    numpy.random.RandomState(0).zipf(1.5, 300).astype(float),
])
def test_walker_alias_sample_frequencies_match_the_distribution(xp, probs):
    sampler = WalkerAlias(probs).to_device(device_of(xp))
    samples = sampler.sample(100000)
    assert samples.dtype == numpy.int32 and samples.shape == (100000,)
    assert backend.get_array_module(samples) is xp
    _assert_fits(samples, probs)


def test_walker_alias_table_is_exact():
    # The table itself (not only the samples) must give each index its exact probability.
    probs = numpy.random.uniform(0, 1, 50) ** 3
    sampler = WalkerAlias(probs)
    n = probs.size
    mass = sampler.threshold / n
    numpy.add.at(mass, sampler.alias, (1 - sampler.threshold) / n)
    numpy.testing.assert_allclose(mass, probs / probs.sum(), rtol=1e-12, atol=1e-15)
    assert ((sampler.threshold >= 0) & (sampler.threshold <= 1)).all()


def test_walker_alias_shapes_and_seeding():
    sampler = WalkerAlias([1, 2, 3])
    assert sampler.sample((2, 3, 4)).shape == (2, 3, 4)
    assert sampler.sample(7).shape == (7,)
    assert sampler.sample((0, 3)).shape == (0, 3)
    numpy.random.seed(3)
    a = sampler.sample((4, 5))
    numpy.random.seed(3)
    numpy.testing.assert_array_equal(sampler.sample((4, 5)), a)
    assert ((a >= 0) & (a < 3)).all()


def test_walker_alias_accepts_arrays_and_large_vocabularies():
    counts = numpy.random.RandomState(1).zipf(2.0, 100000).astype(numpy.float32)
    sampler = WalkerAlias(counts)
    assert sampler.threshold.shape == (100000,) and sampler.alias.dtype == numpy.int32
    samples = sampler.sample(200000)
    top = numpy.argsort(counts)[-5:]  # the frequent words carry most of the mass
    probs = counts[top] / counts.sum()
    observed = numpy.array([(samples == i).sum() for i in top]) / samples.size
    assert (abs(observed - probs) < 5 * numpy.sqrt(probs / samples.size)).all()


@pytest.mark.parametrize('probs, match', [
    ([], 'non-empty 1-D'), ([[1, 2]], r'non-empty 1-D sequence, got shape \(1, 2\)'),
    ([1, -1], 'finite and non-negative'), ([1, numpy.nan], 'finite and non-negative'),
    ([1, numpy.inf], 'finite'), ([0, 0], 'must not all be zero'),
])
def test_walker_alias_rejects_bad_probabilities(probs, match):
    with pytest.raises(ValueError, match='WalkerAlias: probs .*' + match):
        WalkerAlias(probs)


def test_walker_alias_devices(xp):
    sampler = WalkerAlias([1, 2])
    assert not sampler.use_gpu and sampler.device == backend.CpuDevice()
    assert sampler.to_device(device_of(xp)) is sampler
    assert sampler.use_gpu == (xp is not numpy)
    assert backend.get_array_module(sampler.threshold) is xp
    assert sampler.to_cpu() is sampler and not sampler.use_gpu
    assert isinstance(sampler.sample(3), numpy.ndarray)
    if xp is not numpy:
        assert sampler.to_gpu() is sampler and sampler.use_gpu


# ----- NegativeSampling ----------------------------------------------------------------------

def test_negative_sampling_parameters_and_sampler():
    ns = L.NegativeSampling(4, COUNTS, 3)
    assert ns.W.shape == (len(COUNTS), 4) and ns.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(ns.W.array, 0)
    assert ns.sample_size == 3
    assert L.NegativeSampling(4, COUNTS, 3, dtype=numpy.float64).W.dtype == numpy.float64
    with dbr.using_config('dtype', numpy.float64):
        assert L.NegativeSampling(4, COUNTS, 3).W.dtype == numpy.float64
    # negatives follow the unigram distribution raised to `power`
    # (power 0 makes every word equally likely, unseen ones too: 0 ** 0 == 1, as in Chainer)
    for power in (0.75, 1.0, 0.0):
        sampler = L.NegativeSampling(2, COUNTS, 1, power=power).sampler
        _assert_fits(sampler.sample(100000), numpy.array(COUNTS, float) ** power)


@pytest.mark.parametrize('dtype', [numpy.float64, numpy.float32])
@pytest.mark.parametrize('reduce', ['sum', 'no'])
def test_negative_sampling_matches_the_function_with_the_same_samples(xp, dtype, reduce):
    ns = _ns(xp, dtype)
    x, t = _inputs(xp, dtype)
    xp.random.seed(7)
    loss, samples = ns(x, t, reduce=reduce, return_samples=True)
    xp.random.seed(7)
    expected = F.negative_sampling(x, t, ns.W, ns.sampler.sample, 3, reduce=reduce)
    numpy.testing.assert_array_equal(to_cpu(loss), to_cpu(expected))
    assert loss.dtype == dtype and loss.shape == (() if reduce == 'sum' else (5,))
    assert samples.shape == (5, 4) and backend.get_array_module(samples) is xp
    numpy.testing.assert_array_equal(to_cpu(samples)[:, 0], to_cpu(t))
    assert (to_cpu(samples)[:, 1:] != 1).all()  # a word of count 0 is never a negative
    xp.random.seed(7)
    assert float(to_cpu(ns(x, t))) == float(to_cpu(F.sum(expected)))


def test_negative_sampling_matches_a_numpy_reference():
    ns = _ns(dtype=numpy.float64, sample_size=4)
    x, t = _inputs(numpy, numpy.float64)
    loss, samples = ns(x, t, reduce='no', return_samples=True)
    w = ns.W.array.astype(numpy.float64)
    score = numpy.einsum('nkd,nd->nk', w[samples], x)
    score[:, 0] *= -1
    expected = numpy.log1p(numpy.exp(score)).sum(axis=1) * (t != -1)
    numpy.testing.assert_allclose(loss.array, expected, rtol=1e-5)


def test_negative_sampling_backward(xp):
    ns = _ns(xp, numpy.float64)
    x, t = _inputs(xp, numpy.float64)

    def f(x):
        xp.random.seed(11)  # the same negatives on every evaluation
        return ns(x, t, reduce='no')

    gy = xp.asarray(numpy.random.normal(size=5))
    gradient_check.check_backward(f, x, gy, params=(ns.W,))
    ns.cleargrads()
    F.sum(f(x)).backward()
    assert ns.W.grad is not None and ns.W.grad.shape == ns.W.shape
    numpy.testing.assert_array_equal(to_cpu(ns.W.grad)[1], 0)  # word 1 is never sampled


def test_negative_sampling_trains_and_round_trips_npz():
    ns = L.NegativeSampling(4, COUNTS, 2)
    optimizer = optimizers.SGD(lr=0.5).setup(ns)
    x, t = _inputs(numpy)
    first = float(ns(x, t).array)
    for _ in range(5):
        optimizer.update(ns, x, t)
    numpy.random.seed(0)
    trained = float(ns(x, t).array)
    assert trained < first
    buf = io.BytesIO()
    serializers.save_npz(buf, ns)
    buf.seek(0)
    assert sorted(numpy.load(buf).files) == ['W']
    buf.seek(0)
    fresh = L.NegativeSampling(4, COUNTS, 2)
    serializers.load_npz(buf, fresh)
    numpy.testing.assert_array_equal(fresh.W.array, ns.W.array)
    numpy.random.seed(0)
    assert float(fresh(x, t).array) == trained


def test_negative_sampling_copies():
    ns = _ns()
    shared, copied = ns.copy('share'), ns.copy('copy')
    assert shared.W.array is ns.W.array
    assert copied.W.array is not ns.W.array and copied.sampler is not ns.sampler
    numpy.testing.assert_array_equal(copied.sampler.alias, ns.sampler.alias)
    assert copy.deepcopy(ns.sampler).sample(3).shape == (3,)


def test_negative_sampling_sampler_follows_the_link_to_its_device(xp):
    ns = L.NegativeSampling(4, COUNTS, 2)
    assert ns.to_device(device_of(xp)) is ns
    assert ns.sampler.device == ns.device and ns.sampler.use_gpu == (xp is not numpy)
    # moved through a parent chain: the sampler catches up at the first call
    chain = dbr.Chain()
    with chain.init_scope():
        chain.ns = L.NegativeSampling(4, COUNTS, 2)
    chain.to_device(device_of(xp))
    x, t = _inputs(xp)
    loss, samples = chain.ns(x, t, return_samples=True)
    assert backend.get_array_module(samples) is xp
    assert chain.ns.sampler.device == chain.ns.device
    chain.to_cpu()
    assert isinstance(chain.ns(*map(backend.to_cpu, (x, t)), return_samples=True)[1],
                      numpy.ndarray)


@pytest.mark.parametrize('make, error, match', [
    (lambda: L.NegativeSampling(0, COUNTS, 2), TypeError,
     'NegativeSampling: in_size must be a positive int, got 0'),
    (lambda: L.NegativeSampling(3, COUNTS, -1), TypeError,
     'NegativeSampling: sample_size must be a non-negative int, got -1'),
    (lambda: L.NegativeSampling(3, COUNTS, 1.5), TypeError, 'NegativeSampling: sample_size'),
    (lambda: L.NegativeSampling(3, [], 2), ValueError,
     r'NegativeSampling: counts must be a non-empty 1-D sequence'),
    (lambda: L.NegativeSampling(3, [[1, 2]], 2), ValueError, r'got shape \(1, 2\)'),
    (lambda: L.NegativeSampling(3, [1, -2], 2), ValueError, r'NegativeSampling: counts'),
    (lambda: L.NegativeSampling(3, [0, 0], 2), ValueError, 'WalkerAlias: probs must not all'),
    (lambda: L.NegativeSampling(3, [0, 2], 2, power=-1), ValueError,
     'WalkerAlias: probs must be finite'),
])
def test_negative_sampling_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_negative_sampling_call_errors():
    ns = _ns()
    x, t = _inputs(numpy)
    with pytest.raises(ValueError, match='negative_sampling'):
        ns(x, t, reduce='mean')
    with pytest.raises(ValueError, match='negative_sampling'):
        ns(x, numpy.array([0, 1, 2, 3, 7], numpy.int32))
    with pytest.raises(dbr.type_check.InvalidType, match=r'negative_sampling: .*W.shape'):
        ns(x[:, :3], t)
