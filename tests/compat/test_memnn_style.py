"""An end-to-end memory network in the Chainer style through the ``chainer`` alias: embeddings
shared between hops through a ChainList, the answer layer tied to an embedding matrix with
``F.linear(u, W)``, ``F.batch_matmul`` with a 2-D right operand, an extension that edits a
parameter in place after every update, ``Classifier(label_key=...)`` on dict examples, and a
save/load round trip."""
import numpy

PEOPLE = range(2, 6)
PLACES = range(6, 11)
MOVED = 11
N_VOCAB = 12
MAX_MEMORY = 6


def _stories(n, seed):
    """Where-is questions: the answer is the place of the last sentence about the person."""
    rng = numpy.random.RandomState(seed)
    examples = []
    for _ in range(n):
        n_facts = rng.randint(2, MAX_MEMORY + 1)
        memory = numpy.zeros((MAX_MEMORY, 3), numpy.int32)  # id 0 pads words and sentences
        where = {}
        for i in range(n_facts):
            who, place = rng.choice(PEOPLE), rng.choice(PLACES)
            memory[i] = (who, MOVED, place)
            where[who] = place
        who = rng.choice(sorted(where))
        examples.append({'sentences': memory,
                         'question': numpy.array([who, 0, 0], numpy.int32),
                         'answer': numpy.array(where[who], numpy.int32)})
    return examples


def _network_class(chainer):
    F, L = chainer.functions, chainer.links

    class MemoryNetwork(chainer.Chain):
        def __init__(self, n_units, hops):
            super().__init__()
            with self.init_scope():
                self.words = chainer.ChainList()
                self.times = chainer.ChainList()
            init = chainer.initializers.Normal(0.1)
            for _ in range(hops + 1):
                self.words.append(L.EmbedID(N_VOCAB, n_units, initialW=init))
                self.times.append(L.EmbedID(MAX_MEMORY, n_units, initialW=init))
            self.hops = hops

        def encode(self, hop, sentences):
            # bag of words per sentence plus a learned recency vector per memory slot
            bag = F.sum(self.words[hop](sentences), axis=-2)
            age = self.xp.arange(MAX_MEMORY - 1, -1, -1, dtype=numpy.int32)
            return bag + F.broadcast_to(self.times[hop](age), bag.shape)

        def forward(self, sentences, question):
            u = F.sum(self.words[0](question), axis=-2)
            for hop in range(self.hops):
                keys = self.encode(hop, sentences)
                values = self.encode(hop + 1, sentences)
                weights = F.softmax(F.batch_matmul(keys, u), axis=1)  # (B, M, 1)
                read = F.matmul(F.swapaxes(weights, 1, 2), values)  # (B, 1, U)
                u = u + F.squeeze(read, axis=1)
            return F.linear(u, self.words[-1].W)  # answer scores tied to the last embedding

        def clear_padding_rows(self):
            for embed in self.words:
                embed.W.array[0, :] = 0

    return MemoryNetwork


def test_batch_matmul_treats_a_2d_right_operand_as_column_vectors(chainer):
    F = chainer.functions
    a = numpy.random.randn(3, 4, 5).astype(numpy.float32)
    b = numpy.random.randn(3, 5).astype(numpy.float32)
    y = F.batch_matmul(a, b)
    assert y.shape == (3, 4, 1)
    numpy.testing.assert_allclose(y.array[..., 0], numpy.einsum('bmu,bu->bm', a, b), rtol=1e-5)


def test_memory_network_trains_and_round_trips(chainer, tmp_path):
    from chainer import training
    from chainer.training import extensions
    L = chainer.links

    assert chainer.get_dtype() == numpy.float32
    network = _network_class(chainer)(16, 2)
    assert network.words[-1].W is network['words'][2].W
    model = L.Classifier(network, label_key='answer')
    optimizer = chainer.optimizers.Adam(alpha=0.02)
    optimizer.setup(model)
    train_iter = chainer.iterators.SerialIterator(_stories(480, 0), 32)
    test_iter = chainer.iterators.SerialIterator(_stories(160, 1), 80, repeat=False,
                                                 shuffle=False)
    updater = training.StandardUpdater(train_iter, optimizer, device='@numpy')
    trainer = training.Trainer(updater, (10, 'epoch'), out=str(tmp_path))

    @chainer.training.make_extension()
    def clear_padding(trainer):
        network.clear_padding_rows()

    trainer.extend(clear_padding)
    trainer.extend(extensions.Evaluator(test_iter, model, device='@numpy'))
    trainer.extend(extensions.LogReport())
    trainer.run()

    log = trainer.get_extension('LogReport').log
    assert log[-1]['main/loss'] < 0.5 * log[0]['main/loss']
    assert log[-1]['validation/main/accuracy'] > 0.8  # chance is 1 / len(PLACES) = 0.2
    for embed in network.words:
        assert not embed.W.array[0].any()

    chainer.serializers.save_npz(str(tmp_path / 'model.npz'), model)
    restored = L.Classifier(_network_class(chainer)(16, 2), label_key='answer')
    chainer.serializers.load_npz(str(tmp_path / 'model.npz'), restored)
    batch = chainer.dataset.concat_examples(_stories(20, 2))
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        expected = network(batch['sentences'], batch['question']).array
        actual = restored.predictor(batch['sentences'], batch['question']).array
    numpy.testing.assert_array_equal(actual, expected)
