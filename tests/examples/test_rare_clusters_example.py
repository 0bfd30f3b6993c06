import json
import math
import os
import pathlib
import re
import subprocess
import sys

import numpy
import pytest

import dbr
import dbr.functions as F

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'examples' / 'ptb'))
sys.path.insert(0, str(REPO / 'examples' / 'ptb_rare_clusters'))

import class_lm  # noqa: E402
import kmeans  # noqa: E402
import train_ptb  # noqa: E402

WORDS = ['the', 'a', '<eos>', 'x1', 'x2', 'x3', 'y1', 'y2', 'z']
COUNTS = numpy.array([50, 30, 20, 5, 3, 2, 4, 1, 6])
FREQUENT = numpy.array([0, 1, 2])
LABELS = numpy.array([0, 0, 0, 0, 0, 0, 1, 1, 2])  # clusters of the rare words 3..8


def _setups():
    return {
        'one_unk': class_lm.WordClasses(COUNTS, FREQUENT, numpy.zeros(9, int), ['<unk:*>'],
                                        WORDS),
        'clusters': class_lm.WordClasses(COUNTS, FREQUENT, LABELS, ['<u0>', '<u1>', '<u2>'],
                                         WORDS),
        'full': class_lm.WordClasses(COUNTS, numpy.argsort(-COUNTS, kind='stable'), None, [],
                                     WORDS),
    }


def test_rare_clusters_test_mode(tmp_path):
    out = subprocess.run(
        [sys.executable, 'examples/ptb_rare_clusters/train_rare_clusters.py', '--test',
         '--out', str(tmp_path)],
        cwd=REPO, env={**os.environ, 'PYTHONPATH': str(REPO)}, capture_output=True, text=True,
        timeout=120)
    assert out.returncode == 0, out.stderr
    n_rare = int(re.search(r'k-means: (\d+) rare words into 5 clusters', out.stdout).group(1))
    assert n_rare == 10000 - 100
    sizes = re.findall(r'^\s+<unk:(\d)>\s+(\d+) words,\s+(\d+) tokens: \S', out.stdout, re.M)
    assert [int(k) for k, _, _ in sizes] == list(range(5))
    assert sum(int(n) for _, n, _ in sizes) == n_rare  # every rare word has a cluster
    assert all(int(n) > 0 for _, n, _ in sizes)

    with open(tmp_path / 'results.json') as f:
        results = json.load(f)
    assert results['vocab'] == 100 and results['clusters'] == 5
    rows = results['results']
    assert sorted(rows) == ['a', 'b', 'c']
    assert [rows[k]['tokens'] for k in 'abc'] == [101, 105, 10000]
    for key, row in rows.items():
        assert 1 < row['test_ppl'] < 1e5 and math.isfinite(row['valid_ppl'])
        assert 0 <= row['sample_rare_share'] <= 1 and row['sample_tokens'] == 200
        assert (tmp_path / key / 'model.npz').exists()
    # The tiny full-vocabulary model samples almost uniformly from 10,000 words, of which
    # 9,900 are rare: the share counts rare *words*, whatever the model's tokens are.
    assert rows['c']['sample_rare_share'] > 0.5
    for key in 'abc':
        table = re.search(rf'^\| \({key}\) .*$', out.stdout, re.M).group(0).split('|')
        assert float(table[4]) == pytest.approx(rows[key]['test_ppl'], abs=0.05)

    # Every LM's training loss falls over the two epochs.
    logs = re.findall(r'^(\d)\s+\d+\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+[0-9.]+\s*$',
                      out.stdout, re.M)
    assert [int(r[0]) for r in logs] == [1, 2] * 3
    for first, second in zip(logs[::2], logs[1::2]):
        assert float(second[1]) < float(first[1])
    # With one word per class the factorized perplexity is the LM's own perplexity.
    assert float(logs[-1][3]) == pytest.approx(rows['c']['valid_ppl'], rel=1e-4)


def test_word_classes_map_and_in_class_probabilities():
    classes = _setups()['clusters']
    assert classes.names == ['the', 'a', '<eos>', '<u0>', '<u1>', '<u2>']
    assert classes.word_class.tolist() == [0, 1, 2, 3, 3, 3, 4, 4, 5]
    numpy.testing.assert_allclose(numpy.exp(classes.log_p_in_class),
                                  [1, 1, 1, .5, .3, .2, .8, .2, 1], rtol=1e-6)
    assert [m.tolist() for m in classes.members] == [[0], [1], [2], [3, 4, 5], [6, 7], [8]]
    full = _setups()['full']
    assert full.names == ['the', 'a', '<eos>', 'z', 'x1', 'y1', 'x2', 'x3', 'y2']
    assert (full.log_p_in_class == 0).all()


def test_word_classes_need_smoothing_for_unseen_rare_words():
    counts = COUNTS.copy()
    counts[4] = 0
    with pytest.raises(ValueError, match="WordClasses: 1 words \\(such as 'x2'\\) never occur"):
        class_lm.WordClasses(counts, FREQUENT, LABELS, ['<u0>', '<u1>', '<u2>'], WORDS)
    classes = class_lm.WordClasses(counts, FREQUENT, LABELS, ['<u0>', '<u1>', '<u2>'], WORDS,
                                   smoothing=1.0)
    numpy.testing.assert_allclose(numpy.exp(classes.log_p_in_class[3:6]), [6 / 10, 1 / 10,
                                                                           3 / 10], rtol=1e-6)


@pytest.mark.parametrize('setup', ['one_unk', 'clusters', 'full'])
def test_factorized_probabilities_of_a_model_sum_to_one(xp, setup):
    classes = _setups()[setup]
    model = train_ptb.RNNLM(classes.n_classes, 8, 1, 0.0)
    if xp is not numpy:
        model.to_device('@cupy:0')
    histories = [xp.asarray(classes.word_class[[2, 0, 3]]), xp.asarray(classes.word_class[[2]])]
    with dbr.using_config('train', False):
        class_log_probs = F.log_softmax(model.logits(histories)).array
    log_p = class_lm.full_vocab_log_probs(class_log_probs, xp.asarray(classes.word_class),
                                          xp.asarray(classes.log_p_in_class))
    assert log_p.shape == (4, len(WORDS))
    numpy.testing.assert_allclose(dbr.backend.to_cpu(xp.exp(log_p).sum(axis=1)), 1, rtol=1e-5)
    targets = xp.asarray([8, 4, 0, 6])
    picked = class_lm.target_log_probs(class_log_probs, targets, xp.asarray(classes.word_class),
                                       xp.asarray(classes.log_p_in_class))
    numpy.testing.assert_allclose(dbr.backend.to_cpu(picked),
                                  dbr.backend.to_cpu(log_p[xp.arange(4), targets]), rtol=1e-6)


def test_word_nll_of_singleton_classes_is_the_lm_cross_entropy():
    classes = _setups()['full']
    stream = numpy.array([0, 3, 2, 1, 4, 5, 0, 2, 8, 2])
    sentences = train_ptb.sentences(classes.word_class[stream], classes.word_class[2])
    model = train_ptb.RNNLM(classes.n_classes, 8, 1, 0.0)
    nll, n = class_lm.word_nll(model, sentences, stream, classes, batch_size=2)
    assert n == len(stream)
    with dbr.using_config('train', False):
        xs, ts = train_ptb.convert(sentences, None)
        expected = float(model(xs, ts).array) * n
    assert nll == pytest.approx(expected, rel=1e-5)


def test_word_nll_adds_the_in_class_log_probability():
    setups = _setups()
    stream = numpy.array([3, 4, 2, 6, 2])
    nlls = {}
    for key in ('one_unk', 'clusters'):
        classes = setups[key]
        model = train_ptb.RNNLM(classes.n_classes, 8, 1, 0.0)
        sentences = train_ptb.sentences(classes.word_class[stream], classes.word_class[2])
        nll, _ = class_lm.word_nll(model, sentences, stream, classes)
        with dbr.using_config('train', False):
            xs, ts = train_ptb.convert(sentences, None)
            class_nll = float(model(xs, ts).array) * len(stream)
        nlls[key] = nll - class_nll
    # What the class token leaves open: -log P(w | class) summed over the rare words.
    assert nlls['one_unk'] == pytest.approx(-math.log(5 / 21 * 3 / 21 * 4 / 21), rel=1e-5)
    assert nlls['clusters'] == pytest.approx(-math.log(.5 * .3 * .8), rel=1e-5)


def test_sample_and_draw_words():
    classes = _setups()['clusters']
    model = train_ptb.RNNLM(classes.n_classes, 8, 1, 0.0)
    rng = numpy.random.RandomState(0)
    tokens = class_lm.sample(model, int(classes.word_class[2]), 5, 40, rng)
    assert tokens.shape == (5, 40) and tokens.min() >= 0 and tokens.max() < classes.n_classes
    assert len(numpy.unique(tokens)) > 3
    words = classes.draw_words(tokens.ravel(), rng)
    assert (classes.word_class[words] == tokens.ravel()).all()
    drawn = classes.draw_words(numpy.full(4000, 3), rng)  # <u0>: x1, x2, x3 at .5, .3, .2
    numpy.testing.assert_allclose(numpy.bincount(drawn, minlength=6)[3:6] / 4000,
                                  [.5, .3, .2], atol=0.03)


def test_kmeans_recovers_separated_blobs(xp):
    rng = numpy.random.RandomState(1)
    centers = rng.randn(4, 5) * 10
    truth = numpy.repeat(numpy.arange(4), 30)
    x = xp.asarray(centers[truth] + rng.randn(120, 5) * 0.1)
    found, labels, inertia = kmeans.kmeans(x, 4, seed=3)
    labels = dbr.backend.to_cpu(labels)
    assert labels.shape == (120,) and set(labels.tolist()) == {0, 1, 2, 3}
    # The same partition up to renaming: each true blob maps to one label.
    pairs = set(zip(truth.tolist(), labels.tolist()))
    assert len(pairs) == 4
    assert inertia == pytest.approx(float(((x - found[xp.asarray(labels)]) ** 2).sum()))
    assert inertia < 120 * 5 * 0.02


def test_kmeans_gives_every_point_a_cluster_and_keeps_clusters_non_empty(xp):
    x = xp.asarray(numpy.random.RandomState(0).randn(50, 3))
    for k in (1, 7, 50):
        centers, labels, _ = kmeans.kmeans(x, k, n_init=1)
        labels = dbr.backend.to_cpu(labels)
        assert centers.shape == (k, 3) and labels.shape == (50,)
        assert sorted(set(labels.tolist())) == list(range(k))


def test_lloyd_reseeds_an_empty_cluster(xp):
    x = xp.asarray([[0.0], [0.1], [10.0], [10.1]])
    start = xp.asarray([[0.05], [100.0]])  # the second center starts with no point
    centers, labels, _ = kmeans.lloyd(x, start, 10)
    assert sorted(dbr.backend.to_cpu(labels).tolist()) == [0, 0, 1, 1]
    assert sorted(dbr.backend.to_cpu(centers)[:, 0].tolist()) == pytest.approx([0.05, 10.05])


def test_kmeans_rejects_a_bad_k():
    with pytest.raises(ValueError, match=r'kmeans: k must be in \[1, 3\].*got 4'):
        kmeans.kmeans(numpy.zeros((3, 2)), 4)
