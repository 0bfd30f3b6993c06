"""Chainer-style text models run through the ``chainer`` alias: an NStepLSTM classifier trained
with a Trainer, and an attention-free NStepLSTM encoder-decoder trained on a copy task."""
import numpy
import pytest


def _embed_sequences(F, embed, xs):
    # one embedding call for the whole batch, then back to one Variable per sequence
    sections = numpy.cumsum([len(x) for x in xs[:-1]])
    return F.split_axis(embed(F.concat(xs, axis=0)), sections, 0)


def _token_data(n, seed, n_vocab=10, key=3):
    """Variable-length sequences; the label says whether token ``key`` occurs."""
    rng = numpy.random.RandomState(seed)
    data = []
    for i in range(n):
        length = rng.randint(3, 10)
        tokens = rng.choice([t for t in range(1, n_vocab) if t != key], length)
        if i % 2:
            tokens[rng.randint(length)] = key
        data.append((tokens.astype(numpy.int32), numpy.int32(i % 2)))
    return data


def test_nstep_lstm_classifier_learns_token_presence(chainer, tmp_path):
    F, L = chainer.functions, chainer.links
    from chainer import training
    from chainer.training import extensions

    class Encoder(chainer.Chain):
        def __init__(self, n_vocab, n_units):
            super().__init__()
            with self.init_scope():
                self.embed = L.EmbedID(n_vocab, n_units, ignore_label=-1)
                self.rnn = L.NStepLSTM(1, n_units, n_units, 0.1)
                self.out = L.Linear(n_units, 2)

        def forward(self, xs):
            hy, cy, ys = self.rnn(None, None, _embed_sequences(F, self.embed, xs))
            assert hy.shape == (1, len(xs), self.rnn.out_size)
            assert [y.shape[0] for y in ys] == [len(x) for x in xs]
            return self.out(hy[-1])

    @chainer.dataset.converter()
    def convert(batch, device):
        xs = [device.send(x) for x, _ in batch]
        ts = device.send(numpy.array([t for _, t in batch], numpy.int32))
        return xs, ts

    model = L.Classifier(Encoder(10, 24))
    optimizer = chainer.optimizers.Adam(alpha=0.01).setup(model)
    optimizer.add_hook(chainer.optimizer.WeightDecay(1e-5))
    train_iter = chainer.iterators.SerialIterator(_token_data(384, 0), 32)
    test_iter = chainer.iterators.SerialIterator(_token_data(128, 1), 64, repeat=False,
                                                 shuffle=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer, converter=convert,
                                                device=-1)
    trainer = training.Trainer(updater, (8, 'epoch'), out=str(tmp_path))
    trainer.extend(extensions.Evaluator(test_iter, model, converter=convert, device=-1))
    trainer.extend(extensions.LogReport())
    best = training.triggers.MaxValueTrigger('validation/main/accuracy', (1, 'epoch'))
    trainer.extend(extensions.snapshot_object(model, 'best_model.npz'), trigger=best)
    trainer.run()

    log = trainer.get_extension('LogReport').log
    accuracies = [entry['validation/main/accuracy'] for entry in log]
    assert log[-1]['main/loss'] < 0.5 * log[0]['main/loss']
    assert max(accuracies) > 0.9  # chance is 0.5

    # the best snapshot reloads into a fresh model and predicts as the accuracy said
    restored = L.Classifier(Encoder(10, 24))
    chainer.serializers.load_npz(str(tmp_path / 'best_model.npz'), restored)
    xs, ts = convert(_token_data(128, 1), chainer.get_device('@numpy'))
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        predicted = restored.predictor(xs).array.argmax(axis=1)
    assert (predicted == ts).mean() == pytest.approx(max(accuracies), abs=0.02)


def _seq2seq_class(chainer):
    F, L = chainer.functions, chainer.links

    class Seq2seq(chainer.Chain):
        """An attention-free encoder-decoder: the encoder's final states start the decoder."""

        EOS = 1

        def __init__(self, n_vocab, n_units):
            super().__init__()
            with self.init_scope():
                self.embed_x = L.EmbedID(n_vocab, n_units)
                self.embed_y = L.EmbedID(n_vocab, n_units)
                self.encoder = L.NStepLSTM(1, n_units, n_units, 0.0)
                self.decoder = L.NStepLSTM(1, n_units, n_units, 0.0)
                self.W = L.Linear(n_units, n_vocab)

        def forward(self, xs, ys):
            eos = self.xp.array([self.EOS], numpy.int32)
            ys_in = [F.concat([eos, y], axis=0) for y in ys]
            ys_out = [F.concat([y, eos], axis=0) for y in ys]
            hx, cx, _ = self.encoder(None, None, _embed_sequences(F, self.embed_x, xs))
            _, _, os = self.decoder(hx, cx, _embed_sequences(F, self.embed_y, ys_in))
            loss = F.sum(F.softmax_cross_entropy(
                self.W(F.concat(os, axis=0)), F.concat(ys_out, axis=0), reduce='no')) / len(xs)
            chainer.report({'loss': loss}, self)
            return loss

        def translate(self, xs, max_length=8):
            batch = len(xs)
            with chainer.no_backprop_mode(), chainer.using_config('train', False):
                h, c, _ = self.encoder(None, None, _embed_sequences(F, self.embed_x, xs))
                ys = self.xp.full(batch, self.EOS, numpy.int32)
                result = []
                for _ in range(max_length):
                    eys = F.split_axis(self.embed_y(ys), batch, 0)
                    h, c, ys = self.decoder(h, c, eys)
                    ys = self.xp.argmax(self.W(F.concat(ys, axis=0)).array, axis=1).astype(
                        numpy.int32)
                    result.append(ys)
            result = chainer.backends.cuda.to_cpu(self.xp.stack(result).T)
            outs = []
            for y in result:
                stop = numpy.argwhere(y == self.EOS)
                outs.append(y[:stop[0, 0]] if len(stop) else y)
            return outs

    return Seq2seq


def _copy_pairs(n, seed, n_vocab=8):
    rng = numpy.random.RandomState(seed)
    pairs = []
    for _ in range(n):
        x = rng.randint(2, n_vocab, rng.randint(2, 5)).astype(numpy.int32)
        pairs.append((x, x.copy()))
    return pairs


def _exact_match(model, pairs):
    hyps = model.translate([x for x, _ in pairs])
    return numpy.mean([len(h) == len(t) and (h == t).all() for h, (_, t) in zip(hyps, pairs)])


def test_seq2seq_copy_task_loss_decreases_and_greedy_decoding_improves(chainer):
    model = _seq2seq_class(chainer)(8, 32)
    optimizer = chainer.optimizers.Adam(alpha=0.01)
    optimizer.setup(model)
    optimizer.add_hook(chainer.optimizer_hooks.GradientClipping(5.0))
    train, held_out = _copy_pairs(512, 0), _copy_pairs(32, 1)
    iterator = chainer.iterators.SerialIterator(train, 32)

    before = _exact_match(model, held_out)
    reporter = chainer.Reporter()
    reporter.add_observer('main', model)
    losses = []
    for _ in range(180):
        batch = iterator.next()
        observation = {}
        with reporter.scope(observation):
            loss = model([x for x, _ in batch], [y for _, y in batch])
        model.cleargrads()
        loss.backward()
        optimizer.update()
        losses.append(float(observation['main/loss'].array))
    after = _exact_match(model, held_out)

    assert numpy.mean(losses[-20:]) < 0.25 * numpy.mean(losses[:20])
    assert before < 0.2
    assert after > 0.6 and after > before + 0.4


def test_nstep_links_explain_retired_arguments(chainer):
    L = chainer.links
    with pytest.raises(ValueError, match='use_cudnn argument is not supported'):
        L.NStepLSTM(1, 3, 4, 0.0, use_cudnn=False)
    with pytest.raises(TypeError, match="unexpected keyword argument.*'bogus'"):
        L.NStepGRU(1, 3, 4, 0.0, bogus=1)
    rnn = L.NStepLSTM(1, 3, 4, 0.0, chainer.initializers.Constant(0.5), 0)
    assert float(rnn[0].w0.array[0, 0]) == 0.5
    xs = [numpy.ones((2, 3), numpy.float32)]
    with pytest.raises(ValueError, match='train argument is not supported'):
        rnn(None, None, xs, train=False)
    with pytest.raises(TypeError, match="unexpected keyword argument.*'foo'"):
        L.NStepRNNTanh(1, 3, 4, 0.0)(None, xs, foo=1)


def test_argument_helpers(chainer):
    from chainer.utils import argument

    def f(**kwargs):
        return argument.parse_kwargs(kwargs, ('mask', None), ('scale', 1.0),
                                     train='train is retired')

    assert f() == (None, 1.0)
    assert f(scale=3.0, mask='m') == ('m', 3.0)
    with pytest.raises(ValueError, match='train is retired'):
        f(train=True)
    with pytest.raises(TypeError, match=r"f\(\) got unexpected keyword argument\(s\) 'x', 'y'"):
        f(y=1, x=2)
    argument.assert_kwargs_empty({})
    with pytest.raises(TypeError, match="unexpected keyword argument.*'z'"):
        argument.assert_kwargs_empty({'z': 1})
