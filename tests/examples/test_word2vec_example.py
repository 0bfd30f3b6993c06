import os
import pathlib
import re
import subprocess
import sys

import numpy
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'examples' / 'word2vec'))

import train_word2vec  # noqa: E402


def test_word2vec_test_mode_trains_and_saves_embeddings(tmp_path):
    out = subprocess.run(
        [sys.executable, 'examples/word2vec/train_word2vec.py', '--test', '--out', str(tmp_path),
         '--model', 'skipgram'],
        cwd=REPO, env={**os.environ, 'PYTHONPATH': str(REPO)}, capture_output=True, text=True,
        timeout=120)
    assert out.returncode == 0, out.stderr
    rows = re.findall(r'^(\d+)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+[0-9.]+\s*$', out.stdout, re.M)
    assert [int(r[0]) for r in rows] == [1, 2]
    train_loss = [float(r[2]) for r in rows]
    assert train_loss[1] < train_loss[0] < 6 * numpy.log(2) + 1e-3  # starts at 6 log 2
    assert all(numpy.isfinite(float(r[3])) for r in rows)

    lines = (tmp_path / 'word2vec.model').read_text().splitlines()
    assert lines[0] == '10000 16'
    assert len(lines) == 10001
    fields = [line.split(' ') for line in lines[1:]]
    assert all(len(f) == 17 for f in fields)
    words, vectors = train_word2vec.load_embeddings(str(tmp_path / 'word2vec.model'))
    with numpy.load(tmp_path / 'embeddings.npz') as f:
        assert list(f['words']) == words
        numpy.testing.assert_allclose(f['W'], vectors, atol=1e-6)
    assert vectors.shape == (10000, 16) and numpy.isfinite(vectors).all()
    assert words[:3] == ['aer', 'banknote', 'berlitz'] and '<eos>' in words

    neighbours = re.search(r'^nearest to monday: (.*)$', out.stdout, re.M).group(1).split(', ')
    assert len(neighbours) == 5
    similarities = [float(n.rsplit(' ', 1)[1]) for n in neighbours]
    assert similarities == sorted(similarities, reverse=True)
    assert all(-1 <= s <= 1 for s in similarities)


def test_cbow_test_mode_runs(tmp_path):
    out = subprocess.run(
        [sys.executable, 'examples/word2vec/train_word2vec.py', '--test', '--model', 'cbow',
         '--out', str(tmp_path), '--query', 'stock', 'nosuchword'],
        cwd=REPO, env={**os.environ, 'PYTHONPATH': str(REPO)}, capture_output=True, text=True,
        timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'model cbow' in out.stdout
    assert re.search(r'^nearest to stock: \S+ [0-9.-]+, ', out.stdout, re.M)
    assert 'nosuchword: not in the vocabulary' in out.stdout
    assert (tmp_path / 'word2vec.model').read_text().startswith('10000 16\n')


def test_window_iterator_covers_every_center_once_per_epoch():
    data = numpy.arange(100, 130)
    it = train_word2vec.WindowIterator(data, 2, 7, repeat=False)
    centers = []
    for center, context in it:
        assert context.shape == (len(center), 4)
        numpy.testing.assert_array_equal(
            context, center[:, None] + numpy.array([-2, -1, 1, 2]))
        centers.extend(center.tolist())
    assert sorted(centers) == list(range(102, 128))
    assert it.epoch == 1 and it.is_new_epoch
    it.reset()
    assert it.epoch == 0 and it.epoch_detail == 0
    assert len(next(it)[0]) == 7


def test_window_iterator_repeats_and_tracks_epochs():
    it = train_word2vec.WindowIterator(numpy.arange(12), 1, 4)
    assert it.previous_epoch_detail is None
    sizes = [len(next(it)[0]) for _ in range(4)]
    assert sizes == [4, 4, 2, 4]  # 10 centers: the last batch of an epoch is short
    assert it.epoch == 1 and not it.is_new_epoch
    assert it.epoch_detail == pytest.approx(1.4)
    assert it.previous_epoch_detail == pytest.approx(1.0)


def test_window_iterator_rejects_a_too_short_stream():
    with pytest.raises(ValueError, match='WindowIterator: 4 tokens'):
        train_word2vec.WindowIterator(numpy.arange(4), 2, 3)


def test_embeddings_text_file_round_trip(tmp_path):
    vectors = numpy.random.randn(3, 4).astype(numpy.float32)
    path = str(tmp_path / 'v.model')
    train_word2vec.save_embeddings(path, ['a', 'b', '<eos>'], vectors)
    words, loaded = train_word2vec.load_embeddings(path)
    assert words == ['a', 'b', '<eos>']
    numpy.testing.assert_allclose(loaded, vectors, atol=1e-6)


def test_nearest_neighbours_by_cosine():
    vectors = numpy.array([[1, 0], [10, 1], [0, 1], [-1, 0]], numpy.float32)
    best, similarity = train_word2vec.nearest_neighbours(vectors, 0, k=3)
    assert best.tolist() == [1, 2, 3]
    numpy.testing.assert_allclose(similarity, [10 / numpy.sqrt(101), 0, -1], atol=1e-6)
