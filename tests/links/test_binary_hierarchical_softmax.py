"""Tests of ``L.BinaryHierarchicalSoftmax``, its Huffman trees and the underlying function."""
import collections
import copy
import io
import warnings

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import backend
from dbr import gradient_check
from dbr import optimizers
from dbr import serializers
from dbr.functions.loss.binary_hierarchical_softmax import (BinaryTreePaths,
                                                            binary_hierarchical_softmax)

from _link_helpers import device_of, to_cpu

HSM = L.BinaryHierarchicalSoftmax
# root 0 -> (0, 2) is node 1; (1, (3, 4)) is node 2; (3, 4) is node 3 (pre-order, left first)
TREE = ((0, 2), (1, (3, 4)))
COUNTS = {0: 8, 1: 5, 2: 6, 3: 4, 4: 10, 5: 1, 6: 32, 7: 21}


def _leaves(tree):
    """The leaves of a nested-pair tree, left to right (iterative: deep trees are fine)."""
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(reversed(node))
        else:
            out.append(node)
    return out


def _depths(tree):
    out, stack = {}, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack.extend((child, depth + 1) for child in node)
        else:
            out[node] = depth
    return out


def _ref_path(tree, word):
    """Walks the tree from the root, numbering internal nodes in pre-order, to find
    ``word``'s (node ids, codes); None when the word is not a leaf."""
    counter = [0]

    def walk(node, path, codes):
        if not isinstance(node, tuple):
            return (path, codes) if node == word else None
        me = counter[0]
        counter[0] += 1
        found = walk(node[0], path + [me], codes + [1.0])
        right = walk(node[1], path + [me], codes + [-1.0])
        return found or right

    return walk(tree, [], [])


def _ref_loss(tree, W, x, t):
    """Per-example -log P(t | x), one example at a time, in float64."""
    W = numpy.asarray(W, numpy.float64)
    out = numpy.zeros(len(t))
    for i, (xi, ti) in enumerate(zip(numpy.asarray(x, numpy.float64), t)):
        if ti == -1:
            continue
        path, codes = _ref_path(tree, int(ti))
        for node, code in zip(path, codes):
            out[i] += numpy.logaddexp(0.0, -code * W[node].dot(xi))
    return out


def _hsm(xp=numpy, tree=TREE, in_size=3, dtype=numpy.float64):
    hsm = HSM(in_size, tree, dtype=dtype).to_device(device_of(xp))
    hsm.W.array[...] = xp.asarray(numpy.random.normal(size=hsm.W.shape))
    return hsm


# ----- create_huffman_tree -------------------------------------------------------------------

def test_huffman_tree_matches_chainer_examples():
    assert HSM.create_huffman_tree({0: 8, 1: 5, 2: 6, 3: 4}) == ((3, 1), (2, 0))
    # ties go to the earlier entry, a merged pair keeping its parts' earliest position
    assert HSM.create_huffman_tree({0: 1, 1: 1, 2: 1, 3: 1}) == ((0, 1), (2, 3))
    assert HSM.create_huffman_tree({3: 1, 2: 1, 1: 1, 0: 1}) == ((3, 2), (1, 0))
    assert HSM.create_huffman_tree({7: 4}) == 7  # one word: a bare leaf


def test_huffman_tree_properties():
    rs = numpy.random.RandomState(3)
    counts = collections.Counter(rs.zipf(1.8, 3000) % 200)
    tree = HSM.create_huffman_tree(counts)
    leaves = _leaves(tree)
    assert sorted(leaves) == sorted(counts)  # every word is a leaf exactly once
    depth = _depths(tree)
    words = sorted(counts, key=counts.get)
    for rare, common in zip(words, words[1:]):
        if counts[common] > counts[rare]:
            assert depth[common] <= depth[rare]
    # optimal: the weighted path length equals the sum of all merged counts
    merged, heap = 0, sorted(counts.values())
    while len(heap) > 1:
        a, b = heap.pop(0), heap.pop(0)
        merged += a + b
        heap = sorted(heap + [a + b])
    assert sum(counts[w] * depth[w] for w in counts) == merged
    # deterministic, including among the many ties of this Zipf sample
    assert HSM.create_huffman_tree(collections.Counter(dict(counts))) == tree
    assert HSM.create_huffman_tree(dict(counts)) == tree


def test_huffman_tree_of_strings_and_floats():
    counts = collections.Counter('abracadabra')
    tree = HSM.create_huffman_tree(counts)
    assert sorted(_leaves(tree)) == sorted(counts)
    assert _depths(tree)['a'] == 1
    assert HSM.create_huffman_tree({0: 0.5, 1: 0.25, 2: 0.25}) == (0, (1, 2))


@pytest.mark.parametrize('counts, error, match', [
    ({}, ValueError, r'empty vocabulary \(word_counts has no entry\)'),
    (collections.Counter(), ValueError, 'empty vocabulary'),
    ([3, 1], TypeError, 'word_counts must be a dict .* got list'),
    ({0: 1, (1, 2): 3}, TypeError, r'must not be tuples .*\(1, 2\)'),
    ({0: 1, 1: -2}, ValueError, 'finite non-negative numbers, got -2 for word 1'),
    ({0: float('nan')}, ValueError, 'got nan for word 0'),
    ({0: '3'}, ValueError, "got '3'"),
])
def test_huffman_tree_errors(counts, error, match):
    with pytest.raises(error, match='BinaryHierarchicalSoftmax.create_huffman_tree: .*' + match):
        HSM.create_huffman_tree(counts)


# ----- the tree tables -----------------------------------------------------------------------

def test_tree_tables_number_nodes_in_pre_order():
    p = BinaryTreePaths(TREE)
    assert (p.n_vocab, p.n_nodes, p.max_depth) == (5, 4, 3)
    expected = {0: ([0, 1], [1, 1]), 2: ([0, 1], [1, -1]), 1: ([0, 2], [-1, 1]),
                3: ([0, 2, 3], [-1, -1, 1]), 4: ([0, 2, 3], [-1, -1, -1])}
    for word, (path, codes) in expected.items():
        n = p.lengths[word]
        assert p.paths[word, :n].tolist() == path and p.codes[word, :n].tolist() == codes
        assert (p.codes[word, n:] == 0).all()
        assert (path, [float(c) for c in codes]) == _ref_path(TREE, word)
    assert p.lengths[-1] == 0  # the row that label -1 picks
    assert p.children.tolist() == [[1, 2], [-1, -3], [-2, 3], [-4, -5]]
    assert p.is_leaf is None


def test_tree_tables_of_a_deep_tree_and_a_gapped_tree():
    tree = 0
    for w in range(1, 3000):  # a chain: far deeper than the recursion limit
        tree = (tree, w)
    p = BinaryTreePaths(tree)
    assert p.n_nodes == 2999 and p.max_depth == 2999 and p.lengths[2999] == 1
    gapped = BinaryTreePaths((5, (2, 9)))
    assert gapped.n_vocab == 10 and gapped.is_leaf[[2, 5, 9, -1]].all()
    assert not gapped.is_leaf[[0, 1, 3]].any()


@pytest.mark.parametrize('tree, error, match', [
    (((0, 1), (2, 0)), ValueError, 'word 0 is a leaf of the tree more than once'),
    (((0, 1, 2), 3), ValueError, r'must be a pair \(left, right\), got a tuple of 3'),
    ((0, ()), ValueError, 'got a tuple of 0'),
    ((0, 'a'), TypeError, "must be word ids \\(non-negative ints\\), got 'a'"),
    ((0, -1), TypeError, 'got -1'),
    ((0, 1.0), TypeError, 'got 1.0'),
    ((0, True), TypeError, 'got True'),
    ((0, [1, 2]), TypeError, r'got \[1, 2\]'),
])
def test_tree_errors(tree, error, match):
    with pytest.raises(error, match='BinaryHierarchicalSoftmax: .*' + match):
        HSM(3, tree)


# ----- the link: parameters, forward --------------------------------------------------------

def test_link_parameters():
    hsm = HSM(3, TREE)
    assert hsm.W.shape == (4, 3) and hsm.W.dtype == numpy.float32
    assert hsm.tree is TREE
    w = hsm.W.array
    assert (abs(w) <= 1).all() and w.std() > 0  # Uniform(1), as in Chainer
    assert HSM(3, TREE, dtype=numpy.float64).W.dtype == numpy.float64
    with dbr.using_config('dtype', numpy.float16):
        assert HSM(3, TREE).W.dtype == numpy.float16
    tree = HSM.create_huffman_tree(COUNTS)
    assert HSM(6, tree).W.shape == (len(COUNTS) - 1, 6)
    with pytest.raises(TypeError, match='BinaryHierarchicalSoftmax: in_size must be a positive '
                                        'int, got 0'):
        HSM(0, TREE)
    with pytest.raises(TypeError, match='in_size'):
        HSM(None, TREE)


@pytest.mark.parametrize('dtype, tol', [(numpy.float64, 1e-12), (numpy.float32, 1e-5)])
def test_loss_matches_a_reference_that_walks_the_tree(xp, dtype, tol):
    tree = HSM.create_huffman_tree(COUNTS)
    hsm = _hsm(xp, tree, in_size=4, dtype=dtype)
    x = numpy.random.normal(size=(9, 4)).astype(dtype)
    t = numpy.array([0, 5, 6, 7, -1, 3, 3, 1, 2], numpy.int32)
    expected = _ref_loss(tree, to_cpu(hsm.W), x, t)
    per_row = hsm(xp.asarray(x), xp.asarray(t), reduce='no')
    assert per_row.dtype == dtype and per_row.shape == (9,)
    numpy.testing.assert_allclose(to_cpu(per_row), expected, rtol=tol, atol=tol)
    total = hsm(xp.asarray(x), xp.asarray(t))
    assert total.dtype == dtype and total.shape == ()
    # summed over the batch, not averaged (as in Chainer)
    numpy.testing.assert_allclose(float(to_cpu(total)), expected.sum(), rtol=tol)
    assert expected[4] == 0 and float(to_cpu(per_row)[4]) == 0  # -1: ignored


def test_loss_with_int64_labels_and_non_contiguous_inputs():
    hsm = _hsm()
    x = numpy.random.normal(size=(3, 6)).T  # (6, 3), F-contiguous
    t = numpy.array([4, 0, 1, 2, 3, 4, 0, 0, 1, 1, 2, 2], numpy.int64)[::2]
    numpy.testing.assert_allclose(hsm(x, t, reduce='no').array,
                                  _ref_loss(TREE, hsm.W.array, x, t), rtol=1e-12)
    u = numpy.array([4, 0, 1, 2, 3, 4], numpy.uint8)
    numpy.testing.assert_allclose(hsm(x, u).array, _ref_loss(TREE, hsm.W.array, x, u).sum(),
                                  rtol=1e-12)


def test_function_takes_tables_or_a_raw_tree():
    W = numpy.random.normal(size=(4, 3))
    x = numpy.random.normal(size=(2, 3))
    t = numpy.array([3, 1], numpy.int32)
    a = binary_hierarchical_softmax(x, t, W, TREE)
    b = binary_hierarchical_softmax(x, t, W, BinaryTreePaths(TREE))
    assert float(a.array) == float(b.array)
    numpy.testing.assert_allclose(a.array, _ref_loss(TREE, W, x, t).sum(), rtol=1e-12)
    assert not hasattr(F, 'binary_hierarchical_softmax')  # not in F, as in Chainer


@pytest.mark.parametrize('scale', [1.0, 30.0])
def test_probabilities_of_all_words_sum_to_one(xp, scale):
    counts = collections.Counter(numpy.random.RandomState(5).zipf(1.5, 500) % 60)
    tree = HSM.create_huffman_tree(counts)
    hsm = _hsm(xp, tree, in_size=5)
    x = numpy.random.normal(size=(1, 5)) * scale
    words = numpy.arange(max(counts) + 1, dtype=numpy.int32)
    words = words[numpy.isin(words, list(counts))]
    xs = xp.asarray(numpy.repeat(x, words.size, axis=0))
    nll = to_cpu(hsm(xs, xp.asarray(words), reduce='no'))
    assert numpy.isfinite(nll).all() and (nll >= 0).all()
    numpy.testing.assert_allclose(numpy.exp(-nll).sum(), 1.0, rtol=1e-12)
    # one word at a time through the summed loss, as a user would
    p = sum(numpy.exp(-float(to_cpu(hsm(xp.asarray(x), xp.asarray([w], numpy.int32)))))
            for w in words[:5])
    numpy.testing.assert_allclose(p, numpy.exp(-nll[:5]).sum(), rtol=1e-12)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_huge_scores_stay_finite(dtype):
    hsm = _hsm(dtype=dtype)
    hsm.W.array[...] = numpy.sign(numpy.random.normal(size=hsm.W.shape))
    x = numpy.full((2, 3), 1e4 if dtype != numpy.float16 else 2e4, dtype) / 3
    t = numpy.array([0, 4], numpy.int32)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        loss = hsm(x, t, reduce='no')
        loss.grad = numpy.ones(2, dtype)
        loss.backward()
    assert numpy.isfinite(loss.array).all() and numpy.isfinite(hsm.W.grad).all()
    if dtype == numpy.float64:
        numpy.testing.assert_allclose(loss.array, _ref_loss(TREE, hsm.W.array, x, t),
                                      rtol=1e-12)


def test_edge_sizes():
    hsm = _hsm()
    empty = hsm(numpy.zeros((0, 3)), numpy.zeros(0, numpy.int32))
    assert empty.shape == () and float(empty.array) == 0
    assert hsm(numpy.zeros((0, 3)), numpy.zeros(0, numpy.int32), reduce='no').shape == (0,)
    x = dbr.Variable(numpy.random.normal(size=(2, 3)))
    all_ignored = hsm(x, numpy.array([-1, -1], numpy.int32))
    all_ignored.backward()
    assert float(all_ignored.array) == 0
    numpy.testing.assert_array_equal(x.grad, 0)
    numpy.testing.assert_array_equal(hsm.W.grad, 0)
    # a one-word vocabulary: no internal node, probability 1
    one = HSM(3, 4)
    assert one.W.shape == (0, 3)
    loss = one(numpy.ones((2, 3), 'f'), numpy.array([4, -1], numpy.int32), reduce='no')
    numpy.testing.assert_array_equal(loss.array, [0, 0])
    assert one.sample(numpy.ones((3, 3), 'f')).tolist() == [4, 4, 4]


# ----- gradients -----------------------------------------------------------------------------

T_GRAD = numpy.array([0, 3, -1, 4, 2, 1, 3], numpy.int32)


@pytest.mark.parametrize('dtype, tol', [
    (numpy.float64, {}),
    (numpy.float32, {'atol': 1e-4, 'rtol': 1e-3, 'dtype': numpy.float64}),
])
@pytest.mark.parametrize('reduce', ['sum', 'no'])
def test_backward(xp, dtype, tol, reduce):
    W = xp.asarray(numpy.random.normal(size=(4, 3)).astype(dtype))
    x = xp.asarray(numpy.random.normal(size=(7, 3)).astype(dtype))
    t = xp.asarray(T_GRAD)
    tree = BinaryTreePaths(TREE).to_device(device_of(xp))
    gy = xp.asarray(numpy.random.normal(size=() if reduce == 'sum' else (7,)).astype(dtype))
    gradient_check.check_backward(
        lambda x, W: binary_hierarchical_softmax(x, t, W, tree, reduce), (x, W), gy, **tol)


def test_backward_through_the_link_and_a_huffman_tree():
    tree = HSM.create_huffman_tree(COUNTS)
    hsm = _hsm(tree=tree, in_size=4)
    x = numpy.random.normal(size=(6, 4))
    t = numpy.array([6, 5, 0, 7, 5, -1], numpy.int32)
    gradient_check.check_backward(lambda x: hsm(x, t), x, numpy.array(0.7), params=(hsm.W,))
    hsm.cleargrads()
    hsm(x, t).backward()
    # only the nodes on the paths of words 6, 5, 0, 7 get a gradient
    touched = set()
    for w in (6, 5, 0, 7):
        touched.update(_ref_path(tree, w)[0])
    for node in range(hsm.W.shape[0]):
        assert (hsm.W.grad[node] != 0).any() == (node in touched)


def _balanced(words):
    return words[0] if len(words) == 1 else (_balanced(words[:len(words) // 2]),
                                             _balanced(words[len(words) // 2:]))


def _ref_grads(tree, W, x, t):
    """Gradients of the summed loss, one example and one path step at a time."""
    gx, gW = numpy.zeros_like(x), numpy.zeros_like(W)
    for i, ti in enumerate(t):
        if ti == -1:
            continue
        path, codes = _ref_path(tree, int(ti))
        for node, code in zip(path, codes):
            g = -code / (1 + numpy.exp(code * W[node].dot(x[i])))
            gx[i] += g * W[node]
            gW[node] += g * x[i]
    return gx, gW


def test_gradients_of_a_large_batch_on_a_wide_tree(xp):
    # 1024 words in a balanced tree: the deep levels of a 600-row batch hold hundreds of
    # distinct nodes, the levels near the root a few (both ways of scattering into W.grad).
    tree = _balanced(list(range(1024)))
    hsm = _hsm(xp, tree, in_size=3)
    x = dbr.Variable(xp.asarray(numpy.random.normal(size=(600, 3))))
    t = numpy.random.randint(-1, 1024, 600).astype(numpy.int32)
    hsm(x, xp.asarray(t)).backward()
    gx, gW = _ref_grads(tree, to_cpu(hsm.W), to_cpu(x), t)
    numpy.testing.assert_allclose(to_cpu(x.grad), gx, rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(to_cpu(hsm.W.grad), gW, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('dtype, tol', [
    (numpy.float64, {}),
    (numpy.float32, {'atol': 1e-3, 'rtol': 1e-2, 'dtype': numpy.float64}),
])
@pytest.mark.parametrize('reduce', ['sum', 'no'])
def test_double_backward(xp, dtype, tol, reduce):
    W = xp.asarray(numpy.random.normal(size=(4, 3)).astype(dtype))
    x = xp.asarray(numpy.random.normal(size=(7, 3)).astype(dtype))
    t = xp.asarray(T_GRAD)
    tree = BinaryTreePaths(TREE).to_device(device_of(xp))
    shape = () if reduce == 'sum' else (7,)
    gy = xp.asarray(numpy.random.normal(size=shape).astype(dtype))
    ggx = xp.asarray(numpy.random.normal(size=x.shape).astype(dtype))
    ggW = xp.asarray(numpy.random.normal(size=W.shape).astype(dtype))
    gradient_check.check_double_backward(
        lambda x, W: binary_hierarchical_softmax(x, t, W, tree, reduce), (x, W), gy,
        (ggx, ggW), **tol)


def test_double_backward_with_respect_to_one_input():
    # The gradient norm's gradient, by double backprop, against central differences.
    W = numpy.random.normal(size=(4, 3))

    def grad_norm(x_array, double):
        x = dbr.Variable(x_array)
        loss = binary_hierarchical_softmax(x, T_GRAD, W, TREE)
        gx, = dbr.grad([loss], [x], enable_double_backprop=double)
        return x, F.sum(gx * gx)

    x0 = numpy.random.normal(size=(7, 3))
    x, norm = grad_norm(x0, True)
    ggx, = dbr.grad([norm], [x])
    direction = numpy.random.normal(size=x0.shape)
    eps = 1e-5
    numeric = (float(grad_norm(x0 + eps * direction, False)[1].array)
               - float(grad_norm(x0 - eps * direction, False)[1].array)) / (2 * eps)
    numpy.testing.assert_allclose((ggx.array * direction).sum(), numeric, rtol=1e-6)


# ----- training, serialization, copies, devices ----------------------------------------------

def test_trains_and_round_trips_npz():
    tree = HSM.create_huffman_tree(COUNTS)
    hsm = HSM(4, tree)
    x = numpy.random.normal(size=(8, 4)).astype(numpy.float32)
    t = numpy.array([6, 7, 4, 0, 2, 1, 3, 5], numpy.int32)
    first = float(hsm(x, t).array)
    optimizer = optimizers.Adam(alpha=0.05).setup(hsm)
    for _ in range(30):
        optimizer.update(hsm, x, t)
    trained = float(hsm(x, t).array)
    assert trained < first * 0.5
    buf = io.BytesIO()
    serializers.save_npz(buf, hsm)
    buf.seek(0)
    assert sorted(numpy.load(buf).files) == ['W']  # the tree is not state: rebuilt from tree
    buf.seek(0)
    fresh = HSM(4, tree)
    serializers.load_npz(buf, fresh)
    numpy.testing.assert_array_equal(fresh.W.array, hsm.W.array)
    assert float(fresh(x, t).array) == trained


def test_copies_share_or_copy_w():
    hsm = _hsm()
    shared, copied = hsm.copy('share'), hsm.copy('copy')
    assert shared.W.array is hsm.W.array and copied.W.array is not hsm.W.array
    x = numpy.random.normal(size=(2, 3))
    t = numpy.array([1, 3], numpy.int32)
    assert float(shared(x, t).array) == float(copied(x, t).array) == float(hsm(x, t).array)
    assert copy.deepcopy(hsm).paths.paths is not hsm.paths.paths


def test_tables_follow_the_link_to_its_device(xp):
    hsm = HSM(3, TREE)
    assert hsm.to_device(device_of(xp)) is hsm
    assert hsm.paths.device == hsm.device and hsm.paths.xp is xp
    assert backend.get_array_module(hsm.paths.paths) is xp
    # moved through a parent chain: the tables catch up at the first call
    chain = dbr.Chain()
    with chain.init_scope():
        chain.hsm = HSM(3, TREE)
    chain.to_device(device_of(xp))
    x = xp.asarray(numpy.random.normal(size=(2, 3)).astype(numpy.float32))
    t = xp.asarray(numpy.array([0, 4], numpy.int32))
    assert backend.get_array_module(chain.hsm(x, t).array) is xp
    assert chain.hsm.paths.device == chain.hsm.device
    assert backend.get_array_module(chain.hsm.sample(x)) is xp
    chain.to_cpu()
    assert chain.hsm(to_cpu(x), to_cpu(t)).array.dtype == numpy.float32
    assert isinstance(chain.hsm.paths.paths, numpy.ndarray)
    if xp is not numpy:
        assert hsm.to_gpu() is hsm and hsm.paths.xp is xp
        assert hsm.to_cpu() is hsm and hsm.paths.xp is numpy


def test_tables_on_another_device_than_x_are_an_error():
    class OtherDevice:
        xp = object()  # stands for cupy on a machine that may have none

        def __str__(self):
            return '@cupy:0'

    tree = BinaryTreePaths(TREE)
    tree.device = OtherDevice()
    with pytest.raises(ValueError, match='binary_hierarchical_softmax: the tree tables are on '
                                         '@cupy:0 but x is a numpy array'):
        binary_hierarchical_softmax(numpy.ones((1, 3)), numpy.zeros(1, 'i'),
                                    numpy.ones((4, 3)), tree)


def test_sample_follows_the_word_distribution():
    tree = HSM.create_huffman_tree(COUNTS)
    hsm = _hsm(tree=tree, in_size=3)
    x = numpy.random.normal(size=(1, 3))
    words = numpy.arange(8, dtype=numpy.int32)
    probs = numpy.exp(-hsm(numpy.repeat(x, 8, 0), words, reduce='no').array)
    n = 40000
    samples = hsm.sample(dbr.Variable(numpy.repeat(x, n, 0)))
    assert samples.shape == (n,) and samples.dtype == numpy.int32
    observed = numpy.bincount(samples, minlength=8)
    expected = n * probs
    stat = ((observed - expected) ** 2 / expected).sum()
    assert stat < 7 + 6 * numpy.sqrt(14)  # chi-square, 7 degrees of freedom, 6 sigma
    with pytest.raises(ValueError, match=r'BinaryHierarchicalSoftmax.sample: x must have '
                                         r'shape \(N, 3\), got \(2, 4\)'):
        hsm.sample(numpy.zeros((2, 4)))


# ----- errors --------------------------------------------------------------------------------

def test_call_errors():
    hsm = _hsm(dtype=numpy.float32)
    x = numpy.zeros((2, 3), numpy.float32)
    t = numpy.array([0, 1], numpy.int32)
    with pytest.raises(ValueError, match=r'binary_hierarchical_softmax: labels must be in '
                                         r'\[0, 5\) or equal to ignore_label=-1; got 5'):
        hsm(x, numpy.array([0, 5], numpy.int32))
    with pytest.raises(ValueError, match='got -2'):
        hsm(x, numpy.array([-2, 1], numpy.int32))
    with pytest.raises(dbr.type_check.InvalidType,
                       match=r'binary_hierarchical_softmax: expected x.ndim == 2, got '
                             r'x.ndim=3'):
        hsm(numpy.zeros((2, 3, 1), numpy.float32), t)
    with pytest.raises(dbr.type_check.InvalidType,
                       match=r'binary_hierarchical_softmax: .*W.shape\[1\] == x.shape\[1\], '
                             r'got W.shape=\(4, 3\), x.shape=\(2, 5\)'):
        hsm(numpy.zeros((2, 5), numpy.float32), t)
    with pytest.raises(dbr.type_check.InvalidType, match=r"binary_hierarchical_softmax: "
                                                         r".*t.dtype.kind in 'iu'"):
        hsm(x, t.astype(numpy.float32))
    with pytest.raises(dbr.type_check.InvalidType, match=r't.shape\[0\] == x.shape\[0\]'):
        hsm(x, numpy.array([0, 1, 2], numpy.int32))
    with pytest.raises(dbr.type_check.InvalidType, match=r'W.dtype == x.dtype'):
        hsm(x.astype(numpy.float64), t)
    with pytest.raises(dbr.type_check.InvalidType, match=r"x.dtype.kind == 'f'"):
        binary_hierarchical_softmax(numpy.zeros((2, 3), 'i'), t, hsm.W, TREE)
    with pytest.raises(dbr.type_check.InvalidType, match=r'W.shape\[0\] == self.tree.n_nodes'):
        binary_hierarchical_softmax(x, t, numpy.zeros((3, 3), 'f'), TREE)
    with pytest.raises(ValueError, match="binary_hierarchical_softmax: reduce must be 'sum' "
                                         "or 'no', got 'mean'"):
        hsm(x, t, reduce='mean')


def test_words_missing_from_a_gapped_tree_are_an_error():
    hsm = HSM(3, (5, (2, 9)))
    x = numpy.zeros((4, 3), numpy.float32)
    assert hsm(x, numpy.array([5, 2, 9, -1], numpy.int32)).shape == ()
    with pytest.raises(ValueError, match='binary_hierarchical_softmax: words 0, 3 are not '
                                         'leaves of the tree'):
        hsm(x, numpy.array([5, 3, 0, 9], numpy.int32))
