"""Word-level language model on the Penn Treebank: EmbedID -> 2-layer NStepLSTM -> Linear.

Each line of PTB is one sentence, trained as a variable-length sequence (no padding: the
NStepLSTM packs the batch). A sentence ``w1 .. wn`` becomes the input ``<eos> w1 .. wn`` and
the target ``w1 .. wn <eos>``: the leading ``<eos>`` marks the sentence start, and predicting
the final ``<eos>`` is predicting the sentence end. Every sentence starts from a zero LSTM
state, so the model sees no context across sentence boundaries.

Perplexity is ``exp(total loss / total tokens)`` over the whole validation or test set: every
target token counts once, whichever batch it falls in.

    python examples/ptb/train_ptb.py                # the default run (~18 minutes on 2 CPU cores)
    python examples/ptb/train_ptb.py --test         # a few seconds, for CI
    python examples/ptb/train_ptb.py --device @cupy:0 --unit 650 --epoch 20

Interrupt it and run the same command again: it resumes from the last snapshot in ``--out``.
"""
import argparse
import math
import time

import numpy

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import training
from dbr.training import extensions


class RNNLM(dbr.Chain):
    """Embedding, stacked LSTM and a softmax over the vocabulary, with dropout in between.

    Args:
        n_vocab (int): Vocabulary size.
        n_units (int): Embedding and hidden size.
        n_layers (int): Number of LSTM layers.
        dropout (float): Dropout ratio on the embeddings, between the LSTM layers and on the
            LSTM outputs (training only).
    """

    def __init__(self, n_vocab, n_units, n_layers=2, dropout=0.5):
        super().__init__()
        # Small uniform weights everywhere (Zaremba et al.'s recipe for PTB LSTMs).
        init = dbr.initializers.Uniform(0.1)
        with self.init_scope():
            self.embed = L.EmbedID(n_vocab, n_units, initialW=init)
            self.rnn = L.NStepLSTM(n_layers, n_units, n_units, dropout, initialW=init)
            self.out = L.Linear(n_units, n_vocab, initialW=init)
        self.dropout = dropout

    def logits(self, xs):
        """Scores over the vocabulary for every token of ``xs``, sequences concatenated."""
        lengths = [len(x) for x in xs]
        # One embedding lookup for the whole batch, then split back into sentences.
        e = F.dropout(self.embed(self.xp.concatenate(xs)), self.dropout)
        es = F.split_axis(e, numpy.cumsum(lengths[:-1]), axis=0)
        _, _, hs = self.rnn(None, None, es)
        h = F.dropout(F.concat(hs, axis=0), self.dropout)
        return self.out(h)

    def forward(self, xs, ts):
        """Mean cross entropy per target token of the batch; reports it as ``loss``."""
        loss = F.softmax_cross_entropy(self.logits(xs), self.xp.concatenate(ts))
        dbr.report({'loss': loss}, self)
        return loss


def sentences(words, eos):
    """Splits a token stream at ``<eos>`` into arrays ``[<eos>, w1, .., wn, <eos>]``."""
    ends = numpy.flatnonzero(words == eos) + 1
    start = numpy.asarray([eos], words.dtype)
    return [numpy.concatenate([start, s]) for s in numpy.split(words, ends) if len(s)]


@dbr.dataset.converter()
def convert(batch, device):
    """Keeps the batch a list of sentences: returns ``(xs, ts)``, inputs and targets.

    The batch crosses to the device in one transfer and is split there.
    """
    flat = numpy.concatenate(batch)
    if device is not None:
        flat = device.send(flat)
    ends = numpy.cumsum([len(s) for s in batch]).tolist()
    starts = [0] + ends[:-1]
    return ([flat[a:b - 1] for a, b in zip(starts, ends)],
            [flat[a + 1:b] for a, b in zip(starts, ends)])


def corpus_loss(model, iterator, converter, device):
    """Total cross entropy and number of target tokens over one pass of ``iterator``."""
    iterator.reset()
    total, n_tokens = 0.0, 0
    with dbr.using_config('train', False), dbr.no_backprop_mode():
        for batch in iterator:
            xs, ts = converter(batch, device)
            n = sum(len(t) for t in ts)
            # The mean over the batch's tokens times their number is their sum.
            total += float(model(xs, ts).array) * n
            n_tokens += n
    return total, n_tokens


class PerplexityEvaluator(extensions.Evaluator):
    """Reports ``loss`` (mean per token) and ``perplexity`` over the whole validation set.

    The default Evaluator averages per-batch means, which would weight a short batch's
    tokens more than a long one's; here every token counts once.
    """

    def evaluate(self):
        model = self.get_target('main')
        total, n_tokens = corpus_loss(model, self.get_iterator('main'), self.converter,
                                      self.device)
        observation = {}
        with dbr.reporter.report_scope(observation):
            dbr.report({'loss': total / n_tokens,
                        'perplexity': math.exp(total / n_tokens)}, model)
        return observation


def every_or_epoch_end(n_iterations):
    """A trigger firing every ``n_iterations`` and at the end of every epoch (so that each
    epoch's validation result gets its own log line, and each epoch its snapshot)."""
    def trigger(trainer):
        updater = trainer.updater
        return updater.iteration % n_iterations == 0 or updater.is_new_epoch
    return trigger


class ResumeMessage(training.Extension):
    """Says where training resumes when ``snapshot(autoload=True)`` found a snapshot."""

    priority = -200  # initialized after the snapshot extension (-100) has loaded
    trigger = None  # never called: it only prints at start-up

    def initialize(self, trainer):
        if trainer.updater.iteration:
            print(f'# resumed from the snapshot at iteration {trainer.updater.iteration} '
                  f'(epoch {trainer.updater.epoch})')

    def __call__(self, trainer):
        pass


def parse_device(spec):
    """``'-1'``/``'0'`` as ints (Chainer's examples' style), anything else as a spec."""
    return int(spec) if spec.lstrip('-').isdigit() else spec


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epoch', '-e', type=int, default=2,
                        help='number of sweeps over the training sentences')
    parser.add_argument('--batchsize', '-b', type=int, default=32,
                        help='number of sentences per batch')
    parser.add_argument('--unit', '-u', type=int, default=200,
                        help='embedding and LSTM hidden size')
    parser.add_argument('--layer', type=int, default=2, help='number of LSTM layers')
    parser.add_argument('--dropout', type=float, default=0.2, help='dropout ratio')
    parser.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam')
    parser.add_argument('--lr', type=float, default=None,
                        help='learning rate (default: 0.002 for Adam, 1.0 for SGD)')
    parser.add_argument('--gradclip', '-c', type=float, default=5.0,
                        help='clip the global L2 norm of the gradient to this value')
    parser.add_argument('--out', '-o', default='result_ptb',
                        help='output folder (log and snapshots; rerun to resume)')
    parser.add_argument('--device', '-d', default='@numpy',
                        help='@numpy (default, or -1), @cupy:N or N for GPU N')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--test', action='store_true',
                        help='tiny run for CI: 400 training sentences, 1 epoch, 16 units, '
                             'batches of 10')
    args = parser.parse_args()
    if args.test:
        # Tiny defaults for CI; options given on the command line still win.
        parser.set_defaults(epoch=1, unit=16, batchsize=10)
        args = parser.parse_args()

    device = dbr.get_device(parse_device(args.device))
    device.use()
    numpy.random.seed(args.seed)
    if device.xp is not numpy:
        device.xp.random.seed(args.seed)

    train_words, valid_words, test_words = dbr.datasets.get_ptb_words()
    vocab = dbr.datasets.get_ptb_words_vocabulary()
    eos = vocab['<eos>']
    train, valid, test = (sentences(w, eos) for w in (train_words, valid_words, test_words))
    if args.test:
        train, valid, test = train[:400], valid[:100], test[:100]
    n_tokens = sum(len(s) - 1 for s in train)
    print(f'# vocabulary: {len(vocab)}, train sentences: {len(train)} ({n_tokens} tokens), '
          f'valid: {len(valid)}, test: {len(test)}')
    print(f'# unit: {args.unit}, layers: {args.layer}, batch: {args.batchsize} sentences, '
          f'epochs: {args.epoch}, dropout: {args.dropout}, optimizer: {args.optimizer}, '
          f'device: {device}')

    model = RNNLM(len(vocab), args.unit, args.layer, args.dropout)
    model.to_device(device)
    if args.optimizer == 'adam':
        optimizer = dbr.optimizers.Adam(alpha=0.002 if args.lr is None else args.lr)
    else:
        optimizer = dbr.optimizers.SGD(lr=1.0 if args.lr is None else args.lr)
    optimizer.setup(model)
    optimizer.add_hook(dbr.optimizer_hooks.GradientClipping(args.gradclip))

    # Buckets of similar lengths: a batch runs as many LSTM steps as its longest sentence.
    train_iter = dbr.iterators.BucketIterator(train, args.batchsize, n_buckets=20)
    valid_iter = dbr.iterators.BucketIterator(valid, args.batchsize, shuffle=False,
                                              repeat=False)
    test_iter = dbr.iterators.BucketIterator(test, args.batchsize, shuffle=False,
                                             repeat=False)

    updater = training.updaters.StandardUpdater(train_iter, optimizer, converter=convert,
                                                device=device)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=args.out)
    log_trigger = every_or_epoch_end(10 if args.test else 100)
    trainer.extend(PerplexityEvaluator(valid_iter, model, converter=convert, device=device))
    trainer.extend(extensions.LogReport(trigger=log_trigger))
    trainer.extend(extensions.PrintReport(
        ['epoch', 'iteration', 'main/loss', 'validation/main/loss',
         'validation/main/perplexity', 'elapsed_time']), trigger=log_trigger)
    trainer.extend(extensions.ProgressBar(update_interval=1 if args.test else 10))
    # A snapshot holds everything (model, Adam state, iterator position, log); autoload
    # picks the newest one up when the same command is run again.
    trainer.extend(extensions.snapshot(n_retains=1, autoload=True),
                   trigger=every_or_epoch_end(500))
    trainer.extend(ResumeMessage())

    start = time.perf_counter()
    trainer.run()
    print(f'# trained {updater.iteration} iterations ({updater.epoch} epochs) in total; '
          f'this run took {time.perf_counter() - start:.0f} s')

    for name, iterator in (('validation', valid_iter), ('test', test_iter)):
        total, count = corpus_loss(model, iterator, convert, device)
        print(f'{name} perplexity: {math.exp(total / count):.2f} '
              f'(loss {total / count:.4f} over {count} tokens)')


if __name__ == '__main__':
    main()
