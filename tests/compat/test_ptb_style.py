"""A Chainer-style truncated-BPTT language model through the ``chainer`` alias: a custom
parallel-stream iterator, a StandardUpdater subclass that backpropagates through several steps,
and an Evaluator whose hook resets the recurrent state."""
import numpy

V = 12  # vocabulary


def _corpus(n, seed):
    """Word ids where the next word is (3 w + 1) mod V nine times out of ten, else random."""
    rs = numpy.random.RandomState(seed)
    words = numpy.empty(n, numpy.int32)
    words[0] = 0
    for i in range(1, n):
        words[i] = (3 * words[i - 1] + 1) % V if rs.rand() < 0.9 else rs.randint(V)
    return words


def _script(chainer):
    """The classes a Chainer LM script defines, written against the ``chainer`` names."""
    import chainer.functions as F
    import chainer.links as L
    from chainer import training

    class StreamIterator(chainer.dataset.Iterator):
        """Cuts the corpus into ``batch_size`` streams read side by side, one word per call:
        each example is (word, next word) at the stream's current position."""

        def __init__(self, words, batch_size, repeat=True):
            self.words = words
            self.batch_size = batch_size
            self.repeat = repeat
            self.starts = numpy.arange(batch_size) * (len(words) // batch_size)
            self.reset()

        def reset(self):
            self.steps = 0
            self.epoch = 0
            self.is_new_epoch = False

        @property
        def epoch_detail(self):
            return self.steps * self.batch_size / len(self.words)

        @property
        def previous_epoch_detail(self):
            if self.steps == 0:
                return None
            return (self.steps - 1) * self.batch_size / len(self.words)

        def __next__(self):
            n = len(self.words)
            if not self.repeat and self.steps * self.batch_size >= n:
                raise StopIteration
            here = (self.starts + self.steps) % n
            self.steps += 1
            epoch = self.steps * self.batch_size // n
            self.is_new_epoch = epoch > self.epoch
            self.epoch = epoch
            return list(zip(self.words[here], self.words[(here + 1) % n]))

        def serialize(self, serializer):
            self.steps = serializer('steps', self.steps)
            self.epoch = serializer('epoch', self.epoch)

    class LM(chainer.Chain):
        def __init__(self, n_units):
            super(LM, self).__init__()
            with self.init_scope():
                self.embed = L.EmbedID(V, n_units)
                self.rnn = L.LSTM(n_units, n_units)
                self.out = L.Linear(n_units, V)

        def reset_state(self):
            self.rnn.reset_state()

        def forward(self, x):
            h = self.rnn(F.dropout(self.embed(x), 0.1))
            return self.out(F.dropout(h, 0.1))

    class TruncatedBPTT(training.updaters.StandardUpdater):
        def __init__(self, iterator, optimizer, bprop_len, device):
            super(TruncatedBPTT, self).__init__(iterator, optimizer, device=device)
            self.bprop_len = bprop_len

        def update_core(self):
            it = self.get_iterator('main')
            optimizer = self.get_optimizer('main')
            loss = 0
            for _ in range(self.bprop_len):
                x, t = self.converter(it.next(), self.device)
                loss += optimizer.target(x, t)
            optimizer.target.cleargrads()
            loss.backward()
            loss.unchain_backward()  # the next update starts a fresh graph from this state
            optimizer.update()

    return StreamIterator, LM, TruncatedBPTT


def test_truncated_bptt_language_model(chainer, tmp_path):
    from chainer import training
    from chainer.training import extensions
    import chainer.links as L
    StreamIterator, LM, TruncatedBPTT = _script(chainer)

    train, val, test = _corpus(3000, 0), _corpus(400, 1), _corpus(400, 2)
    model = L.Classifier(LM(32))
    model.compute_accuracy = False
    optimizer = chainer.optimizers.Adam(0.01).setup(model)
    optimizer.add_hook(chainer.optimizer_hooks.GradientClipping(5.0))
    device = chainer.get_device(-1)
    updater = TruncatedBPTT(StreamIterator(train, 10), optimizer, 10, device)
    trainer = training.Trainer(updater, (4, 'epoch'), out=str(tmp_path))

    eval_model = model.copy()  # shares the parameters, keeps its own LSTM state
    resets = []

    def reset(evaluator):
        resets.append(evaluator.name)
        eval_model.predictor.reset_state()
    val_iter = StreamIterator(val, 1, repeat=False)
    trainer.extend(extensions.Evaluator(val_iter, eval_model, device=device, eval_hook=reset),
                   trigger=(15, 'iteration'), call_before_training=True)

    def perplexity(entry):
        entry['perplexity'] = numpy.exp(entry['main/loss'])
        entry['val_perplexity'] = numpy.exp(entry['validation/main/loss'])
    trainer.extend(extensions.LogReport(postprocess=perplexity, trigger=(15, 'iteration')))
    initial = []
    trainer.extend(lambda tr: initial.append(numpy.exp(tr.observation['validation/main/loss'])),
                   name='initial', trigger=(10 ** 6, 'iteration'), call_before_training=True)
    trainer.run()

    log = trainer.get_extension('LogReport').log
    assert updater.iteration == 120 and len(log) == 8
    assert len(resets) == 9  # before training, then with every log entry
    val_ppl = [e['val_perplexity'] for e in log]
    assert 9 < initial[0] < 16  # an untrained model is about uniform over the 12 words
    assert val_ppl[-1] < 2.2  # the rule leaves ~1.7 (one word in ten is random)
    assert val_ppl[-1] < val_ppl[0]
    assert log[-1]['perplexity'] < 0.6 * log[0]['perplexity']  # ~4 (first 15 steps) -> ~2

    # With the reset hook, evaluating twice gives the same result (test mode, no dropout);
    # without it a sweep starts from the state the previous one left.
    evaluator = extensions.Evaluator(StreamIterator(test, 1, repeat=False), eval_model,
                                     eval_hook=lambda _: eval_model.predictor.reset_state())
    first, second = evaluator(), evaluator()
    assert first == second and numpy.exp(first['main/loss']) < 2.2
    stateful = extensions.Evaluator(StreamIterator(test, 1, repeat=False), eval_model)
    assert stateful()['main/loss'] != first['main/loss']

    # Greedy generation follows the rule the corpus was made with.
    lm = eval_model.predictor
    lm.reset_state()
    word = numpy.array([0], numpy.int32)
    generated = []
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        for _ in range(12):
            word = lm(word).array.argmax(axis=1).astype(numpy.int32)
            generated.append(int(word[0]))
    want, w = [], 0
    for _ in range(12):
        w = (3 * w + 1) % V
        want.append(w)
    assert generated == want


def test_bptt_snapshot_carries_the_stream_positions(chainer, tmp_path):
    from chainer import training
    from chainer.training import extensions
    import chainer.links as L
    StreamIterator, LM, TruncatedBPTT = _script(chainer)
    model = L.Classifier(LM(8))
    optimizer = chainer.optimizers.SGD(0.5).setup(model)
    updater = TruncatedBPTT(StreamIterator(_corpus(200, 3), 4), optimizer, 5, '@numpy')
    trainer = training.Trainer(updater, (7, 'iteration'), out=str(tmp_path))
    trainer.extend(extensions.snapshot(filename='snap'), trigger=(7, 'iteration'))
    trainer.run()

    fresh = L.Classifier(LM(8))
    resumed = training.Trainer(
        TruncatedBPTT(StreamIterator(_corpus(200, 3), 4),
                      chainer.optimizers.SGD(0.5).setup(fresh), 5, '@numpy'),
        (10, 'iteration'), out=str(tmp_path))
    resumed.extend(extensions.snapshot(filename='snap'), trigger=(7, 'iteration'))
    chainer.serializers.load_npz(str(tmp_path / 'snap'), resumed)
    it = resumed.updater.get_iterator('main')
    assert resumed.updater.iteration == 7 and it.steps == 35 and it.epoch == 0
    numpy.testing.assert_array_equal(fresh.predictor.out.W.array, model.predictor.out.W.array)
    only_lm = LM(8)
    chainer.serializers.load_npz(str(tmp_path / 'snap'), only_lm,
                                 path='updater/model:main/predictor/')
    numpy.testing.assert_array_equal(only_lm.embed.W.array, model.predictor.embed.W.array)
