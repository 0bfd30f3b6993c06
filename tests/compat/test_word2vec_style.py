"""Word2vec-style Chainer scripts on dbr through the alias: skip-gram embeddings trained with
``L.BinaryHierarchicalSoftmax`` (Huffman tree from word counts) by a Trainer, and with
``L.NegativeSampling`` by a custom loop, on a synthetic corpus whose words come in topics."""
import collections
import json

import numpy

N_TOPICS = 6
TOPIC_SIZE = 5
N_VOCAB = N_TOPICS * TOPIC_SIZE
N_UNITS = 12
WINDOW = 2


def _corpus(n_sentences=600, length=10, seed=0):
    """Sentences of ``length`` words drawn from one topic each: word w is in topic w // 5.

    Word frequencies differ within a topic (so the Huffman tree is not balanced), while
    co-occurrence is decided by the topic alone.
    """
    rng = numpy.random.RandomState(seed)
    weights = numpy.arange(1, TOPIC_SIZE + 1, dtype=float)
    weights /= weights.sum()
    topics = rng.randint(0, N_TOPICS, n_sentences)
    words = rng.choice(TOPIC_SIZE, size=(n_sentences, length), p=weights)
    return (topics[:, None] * TOPIC_SIZE + words).ravel().astype(numpy.int32)


def _skip_gram(chainer, loss_func):
    import chainer.functions as F
    import chainer.initializers as I
    import chainer.links as L

    class SkipGram(chainer.Chain):
        """Predicts every context word from the centre word's vector."""

        def __init__(self):
            super(SkipGram, self).__init__()
            with self.init_scope():
                self.embed = L.EmbedID(N_VOCAB, N_UNITS, initialW=I.Uniform(1. / N_UNITS))
                self.loss_func = loss_func

        def forward(self, center, contexts):
            n, k = contexts.shape
            e = F.broadcast_to(self.embed(center)[:, None, :], (n, k, N_UNITS))
            loss = self.loss_func(F.reshape(e, (n * k, N_UNITS)), contexts.reshape(-1))
            chainer.reporter.report({'loss': loss / (n * k)}, self)
            return loss

    return SkipGram()


def _window_iterator(chainer, corpus, batch_size, repeat=True):
    class Windows(chainer.dataset.Iterator):
        """Random centre positions, each with the WINDOW words on either side."""

        def __init__(self):
            self.positions = numpy.arange(WINDOW, len(corpus) - WINDOW)
            self.offsets = numpy.r_[numpy.arange(-WINDOW, 0), numpy.arange(1, WINDOW + 1)]
            self.reset()

        def reset(self):
            self.epoch = 0
            self.is_new_epoch = False
            self._start = 0
            numpy.random.shuffle(self.positions)

        def __next__(self):
            if not repeat and self.epoch:
                raise StopIteration
            pos = self.positions[self._start:self._start + batch_size]
            self._start += batch_size
            self.is_new_epoch = self._start >= len(self.positions)
            if self.is_new_epoch:
                self.epoch += 1
                self._start = 0
                numpy.random.shuffle(self.positions)
            return corpus[pos], corpus[pos[:, None] + self.offsets]

        @property
        def epoch_detail(self):
            return self.epoch + self._start / len(self.positions)

        def serialize(self, serializer):
            self.epoch = serializer('epoch', self.epoch)
            self._start = serializer('start', self._start)

    return Windows()


def _nearest_neighbour_precision(W):
    """Mean fraction, over words, of their TOPIC_SIZE - 1 cosine-nearest words in their topic;
    and whether every word's single nearest word is in its topic."""
    W = W / numpy.linalg.norm(W, axis=1, keepdims=True)
    sim = W @ W.T
    numpy.fill_diagonal(sim, -numpy.inf)
    nearest = numpy.argsort(-sim, axis=1)[:, :TOPIC_SIZE - 1]
    topic = numpy.arange(N_VOCAB) // TOPIC_SIZE
    same = topic[nearest] == topic[:, None]
    return same.mean(), bool(same[:, 0].all())


def test_skip_gram_with_hierarchical_softmax_and_a_trainer(chainer, tmp_path):
    import chainer.links as L
    from chainer import training
    from chainer.training import extensions

    corpus = _corpus()
    counts = collections.Counter(corpus.tolist())
    tree = L.BinaryHierarchicalSoftmax.create_huffman_tree(counts)
    hsm = L.BinaryHierarchicalSoftmax(N_UNITS, tree)
    hsm.W.array[...] = 0
    assert hsm.W.shape == (N_VOCAB - 1, N_UNITS)
    model = _skip_gram(chainer, hsm)

    @chainer.dataset.converter()
    def convert(batch, device):
        center, contexts = batch
        return device.send(center), device.send(contexts)

    optimizer = chainer.optimizers.Adam(alpha=0.01)
    optimizer.setup(model)
    train_iter = _window_iterator(chainer, corpus, 200)
    valid_iter = _window_iterator(chainer, _corpus(seed=1)[:1000], 200, repeat=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer, converter=convert,
                                                device=-1)
    trainer = training.Trainer(updater, (8, 'epoch'), out=str(tmp_path))
    trainer.extend(extensions.Evaluator(valid_iter, model, converter=convert, device=-1))
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.snapshot_object(model, 'model.npz'), trigger=(8, 'epoch'))
    trainer.run()

    log = json.loads((tmp_path / 'log').read_text())
    losses = [entry['main/loss'] for entry in log]
    assert len(losses) == 8 and losses[-1] < losses[0] * 0.8
    # log(N_VOCAB) = 3.4 nats for a uniform guess; knowing the topic leaves 1.5 nats (plus
    # the sentence boundaries)
    assert log[-1]['validation/main/loss'] < 2.4
    precision, nearest_ok = _nearest_neighbour_precision(model.embed.W.array)
    assert nearest_ok and precision > 0.9, precision

    # the tree's words' probabilities sum to 1 for a trained input vector
    x = numpy.repeat(model.embed.W.array[:1], N_VOCAB, axis=0)
    nll = hsm(x, numpy.arange(N_VOCAB, dtype=numpy.int32), reduce='no').array
    numpy.testing.assert_allclose(numpy.exp(-nll).sum(), 1, rtol=1e-5)

    # the snapshot restores both the embeddings and the tree's node vectors
    fresh = _skip_gram(chainer, L.BinaryHierarchicalSoftmax(N_UNITS, tree))
    chainer.serializers.load_npz(str(tmp_path / 'model.npz'), fresh)
    numpy.testing.assert_array_equal(fresh.loss_func.W.array, hsm.W.array)
    center, contexts = corpus[10:20], corpus[8:18, None] + 0 * numpy.arange(4)
    with chainer.using_config('train', False):
        assert float(fresh(center, contexts).array) == float(model(center, contexts).array)


def test_skip_gram_with_negative_sampling_and_a_custom_loop(chainer):
    import chainer.links as L

    corpus = _corpus()
    counts = collections.Counter(corpus.tolist())
    ns = L.NegativeSampling(N_UNITS, [counts[w] for w in range(N_VOCAB)], 5)
    model = _skip_gram(chainer, ns)
    optimizer = chainer.optimizers.Adam(alpha=0.01).setup(model)
    it = _window_iterator(chainer, corpus, 200)
    losses = []
    while it.epoch < 8:
        center, contexts = chainer.dataset.concat_examples([next(it)])
        center, contexts = center[0], contexts[0]
        loss = model(center, contexts)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        losses.append(float(loss.array) / contexts.size)
    first, last = numpy.mean(losses[:10]), numpy.mean(losses[-10:])
    assert last < first * 0.7, (first, last)
    precision, nearest_ok = _nearest_neighbour_precision(model.embed.W.array)
    assert nearest_ok and precision > 0.9, precision
