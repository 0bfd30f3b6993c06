"""A seq2seq-style data pipeline through the ``chainer`` alias: parallel text files read with
``TextDataset`` and ``TransformDataset``, a ``@converter()`` that moves variable-length
sequences with ``device.send``, a Trainer whose writer-priority extension reports a validation
score, and a snapshot that resumes to identical parameters."""
import io
import pickle

import numpy
import pytest


def _write(path, text, encoding='utf-8'):
    with open(path, 'w', encoding=encoding, newline='') as f:
        f.write(text)
    return str(path)


def test_text_dataset_single_file_lines(chainer, tmp_path):
    path = _write(tmp_path / 'a.txt', 'one two\nthree\n\nfour')
    ds = chainer.datasets.TextDataset(path)
    assert len(ds) == 4
    assert ds[0] == 'one two\n'
    assert ds[2] == '\n'
    assert ds[3] == 'four'  # last line without newline
    assert ds[-1] == 'four'
    assert ds[1:3] == ['three\n', '\n']
    assert ds[[3, 0]] == ['four', 'one two\n']
    assert chainer.datasets.TextDataset(tmp_path / 'a.txt')[1] == 'three\n'  # path-like
    with pytest.raises(IndexError, match='TextDataset: index 4 out of range for 4 lines'):
        ds[4]
    ds.close()


def test_text_dataset_parallel_files_filter_and_errors(chainer, tmp_path):
    src = _write(tmp_path / 'src.txt', 'a b c\nd\ne f\n')
    tgt = _write(tmp_path / 'tgt.txt', 'x\ny y y y\nz z\n')
    seen = []

    def keep(s, t):
        seen.append((s, t))
        return len(s.split()) <= 2 and len(t.split()) <= 3

    ds = chainer.datasets.TextDataset([src, tgt], encoding=['utf-8', 'ascii'], filter_func=keep)
    assert seen == [('a b c\n', 'x\n'), ('d\n', 'y y y y\n'), ('e f\n', 'z z\n')]
    assert len(ds) == 1
    assert ds[0] == ('e f\n', 'z z\n')

    short = _write(tmp_path / 'short.txt', 'only\n')
    with pytest.raises(ValueError, match='different numbers of lines.*short.txt ended after '
                                         'line 1'):
        chainer.datasets.TextDataset([src, short])
    with pytest.raises(ValueError, match='TextDataset: encoding has 3 entries for 2 files'):
        chainer.datasets.TextDataset([src, tgt], encoding=['utf-8'] * 3)


def test_text_dataset_decoding_newlines_and_pickle(chainer, tmp_path):
    path = tmp_path / 'b.txt'
    path.write_bytes(b'caf\xc3\xa9\r\nbad \xff byte\r\n')
    assert chainer.datasets.TextDataset(str(path), encoding='utf-8', errors='ignore')[0] == \
        'caf\u00e9\n'
    raw = chainer.datasets.TextDataset(str(path), encoding='utf-8', errors='ignore', newline='')
    assert raw[0] == 'caf\u00e9\r\n'
    assert raw[1] == 'bad  byte\r\n'
    with pytest.raises(UnicodeDecodeError):
        chainer.datasets.TextDataset(str(path), encoding='utf-8', errors='strict')

    clone = pickle.loads(pickle.dumps(raw))
    assert len(clone) == 2
    assert [clone[1], clone[0]] == [raw[1], raw[0]]


def _corpus(tmp_path, n, seed, n_words=8):
    rng = numpy.random.RandomState(seed)
    src, tgt = io.StringIO(), io.StringIO()
    for _ in range(n):
        ids = rng.randint(0, n_words, rng.randint(1, 5))
        src.write(' '.join('s%d' % i for i in ids) + '\n')
        tgt.write(' '.join('t%d' % i for i in ids[::-1]) + '\n')  # reversed translation
    return (_write(tmp_path / ('src%d' % seed), src.getvalue()),
            _write(tmp_path / ('tgt%d' % seed), tgt.getvalue()))


def _pipeline(chainer, tmp_path):
    F, L = chainer.functions, chainer.links
    from chainer import training
    from chainer.training import extensions

    n_words = 8
    src_vocab = {'s%d' % i: i + 2 for i in range(n_words)}
    tgt_vocab = {'t%d' % i: i + 2 for i in range(n_words)}
    eos = 1

    def to_ids(vocab, line):
        return numpy.array([vocab.get(w, 0) for w in line.split()], numpy.int32)

    def dataset(seed, n):
        text = chainer.datasets.TextDataset(
            list(_corpus(tmp_path, n, seed)), encoding='utf-8',
            filter_func=lambda s, t: 1 <= len(s.split()) <= 4)
        return chainer.datasets.TransformDataset(
            text, lambda st: (to_ids(src_vocab, st[0]), to_ids(tgt_vocab, st[1])))

    @chainer.dataset.converter()
    def convert(batch, device):
        def send(seqs):
            sections = numpy.cumsum([len(s) for s in seqs[:-1]])
            return device.xp.split(device.send(numpy.concatenate(seqs)), sections)
        return {'xs': send([x for x, _ in batch]), 'ys': send([y for _, y in batch])}

    def embed_all(embed, xs):
        sections = numpy.cumsum([len(x) for x in xs[:-1]])
        return F.split_axis(embed(F.concat(xs, axis=0)), sections, 0)

    class Translator(chainer.Chain):
        def __init__(self, n_units):
            super().__init__()
            with self.init_scope():
                self.embed_x = L.EmbedID(n_words + 2, n_units)
                self.embed_y = L.EmbedID(n_words + 2, n_units)
                self.encoder = L.NStepGRU(1, n_units, n_units, 0.0)
                self.decoder = L.NStepGRU(1, n_units, n_units, 0.0)
                self.out = L.Linear(None, n_words + 2)

        def forward(self, xs, ys):
            bos = self.xp.array([eos], numpy.int32)
            h, _ = self.encoder(None, embed_all(self.embed_x, [x[::-1] for x in xs]))
            _, os = self.decoder(h, embed_all(self.embed_y, [F.concat([bos, y], 0) for y in ys]))
            truth = F.concat([F.concat([y, bos], 0) for y in ys], axis=0)
            loss = F.softmax_cross_entropy(self.out(F.concat(os, axis=0)), truth)
            chainer.report({'loss': loss}, self)
            return loss

        def greedy(self, xs, steps):
            with chainer.no_backprop_mode(), chainer.using_config('train', False):
                h, _ = self.encoder(None, embed_all(self.embed_x, [x[::-1] for x in xs]))
                ys = self.xp.full(len(xs), eos, numpy.int32)
                out = []
                for _ in range(steps):
                    h, os = self.decoder(h, F.split_axis(self.embed_y(ys), len(xs), 0))
                    ys = self.out(F.concat(os, axis=0)).array.argmax(axis=1).astype(numpy.int32)
                    out.append(ys)
            return numpy.stack(out, axis=1)

    class TokenAccuracy(chainer.training.Extension):
        trigger = 10, 'iteration'
        priority = chainer.training.PRIORITY_WRITER

        def __init__(self, model, data, key):
            self.model, self.data, self.key = model, data, key

        def __call__(self, trainer):
            xs = [x for x, _ in self.data]
            hyps = self.model.greedy(xs, 5)
            hits = [float((h[:len(t)] == t).mean()) for h, (_, t) in zip(hyps, self.data)]
            chainer.report({self.key: numpy.mean(hits)})

    def make_trainer(out, stop):
        model = Translator(24)
        optimizer = chainer.optimizers.Adam(alpha=0.02).setup(model)
        train_iter = chainer.iterators.SerialIterator(dataset(0, 320), 32, shuffle=False)
        updater = training.StandardUpdater(train_iter, optimizer, converter=convert,
                                           device='@numpy')
        trainer = training.Trainer(updater, (stop, 'iteration'), out=str(out))
        held_out = list(dataset(1, 32))
        trainer.extend(TokenAccuracy(model, held_out, 'validation/main/acc'))
        trainer.extend(extensions.LogReport(trigger=(10, 'iteration')))
        trainer.extend(extensions.snapshot(filename='snap_{.updater.iteration}'),
                       trigger=(40, 'iteration'))
        printed = io.StringIO()
        trainer.extend(extensions.PrintReport(
            ['iteration', 'main/loss', 'validation/main/acc', 'validation/main/bleu'],
            out=printed), trigger=(10, 'iteration'))
        return model, trainer, printed

    return make_trainer


def test_text_dataset_pipeline_trains_and_resumes(chainer, tmp_path):
    make_trainer = _pipeline(chainer, tmp_path)
    model, trainer, printed = make_trainer(tmp_path / 'run', 80)
    trainer.run()

    log = trainer.get_extension('LogReport').log
    assert [entry['iteration'] for entry in log] == [10, 20, 30, 40, 50, 60, 70, 80]
    assert log[-1]['main/loss'] < 0.6 * log[0]['main/loss']
    assert log[-1]['validation/main/acc'] > log[0]['validation/main/acc'] + 0.2
    header = printed.getvalue().splitlines()[0]
    assert header.split() == ['iteration', 'main/loss', 'validation/main/acc',
                              'validation/main/bleu']

    # resuming the iteration-40 snapshot (parameters, Adam state, iterator position) and
    # running to 80 ends where the uninterrupted run ended
    resumed_model, resumed, _ = make_trainer(tmp_path / 'resumed', 80)
    chainer.serializers.load_npz(str(tmp_path / 'run' / 'snap_40'), resumed)
    assert resumed.updater.iteration == 40
    resumed.run()
    for (name, p), (_, q) in zip(sorted(model.namedparams()),
                                 sorted(resumed_model.namedparams())):
        numpy.testing.assert_allclose(p.array, q.array, rtol=1e-5, atol=1e-6, err_msg=name)
