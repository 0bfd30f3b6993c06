"""Word2vec on the Penn Treebank: skip-gram or CBOW with negative sampling.

Learns one vector per word of the PTB vocabulary (10,000 words) from the training text,
reports the negative-sampling loss on the validation text every epoch, saves the vectors
(``word2vec.model``, a text file: a ``n_vocab n_units`` header, then ``word v1 v2 ...`` per
line; and ``embeddings.npz``) and prints the nearest neighbours of a few words by cosine
similarity.

    python examples/word2vec/train_word2vec.py                 # skip-gram, the full PTB
    python examples/word2vec/train_word2vec.py --model cbow
    python examples/word2vec/train_word2vec.py --test          # seconds: a tiny slice, for CI

``train_embeddings`` is also used by ``examples/ptb_rare_clusters``.
"""
import argparse
import os
import time

import numpy

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import initializers
from dbr import training
from dbr.training import extensions

QUERIES = ('monday', 'stock', 'president', 'buy', 'japan', 'three')


class WindowIterator(dbr.dataset.Iterator):
    """Batches of ``(center, context)`` windows over a token stream, in shuffled order.

    Every position with ``window`` tokens on both sides is a center; its context is the
    ``2 * window`` tokens around it. The last batch of an epoch may be short.

    Args:
        dataset: 1-D integer array of token ids.
        window (int): Context size on each side.
        batch_size (int): Number of centers per batch.
        repeat (bool): Loop over the epochs forever (training) or stop after one (evaluation).
        seed (int): Seed of the shuffling.
    """

    def __init__(self, dataset, window, batch_size, repeat=True, seed=0):
        if len(dataset) <= 2 * window:
            raise ValueError(f'WindowIterator: {len(dataset)} tokens leave no window of '
                             f'{window} words on each side')
        self.dataset = numpy.asarray(dataset)
        self.window = window
        self.batch_size = batch_size
        self._repeat = repeat
        self._rng = numpy.random.RandomState(seed)
        self.offsets = numpy.concatenate([numpy.arange(-window, 0), numpy.arange(1, window + 1)])
        self.reset()

    def reset(self):
        self.order = self._rng.permutation(
            numpy.arange(self.window, len(self.dataset) - self.window))
        self.current_position = 0
        self.epoch = 0
        self.is_new_epoch = False
        self._previous_epoch_detail = -1.0

    def __next__(self):
        if not self._repeat and self.epoch > 0:
            raise StopIteration
        self._previous_epoch_detail = self.epoch_detail
        i = self.current_position
        position = self.order[i:i + self.batch_size]
        center = self.dataset[position]
        context = self.dataset[position[:, None] + self.offsets]
        self.current_position = i + len(position)
        self.is_new_epoch = self.current_position >= len(self.order)
        if self.is_new_epoch:
            self.epoch += 1
            self.current_position = 0
            self._rng.shuffle(self.order)
        return center, context

    @property
    def epoch_detail(self):
        return self.epoch + self.current_position / len(self.order)

    @property
    def previous_epoch_detail(self):
        return None if self._previous_epoch_detail < 0 else self._previous_epoch_detail

    def serialize(self, serializer):
        self.current_position = serializer('current_position', self.current_position)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)
        self.order = serializer('order', self.order)


@dbr.dataset.converter()
def convert(batch, device):
    center, context = batch
    return device.send((center, context)) if device is not None else (center, context)


class SkipGram(dbr.Chain):
    """Predicts each context word from the center word's vector."""

    def __init__(self, n_vocab, n_units, counts, negative_size):
        super().__init__()
        with self.init_scope():
            self.embed = L.EmbedID(n_vocab, n_units, initialW=initializers.Uniform(0.5 / n_units))
            self.loss_func = L.NegativeSampling(n_units, counts, negative_size)

    def forward(self, center, context):
        batch, n_context = context.shape
        h = self.embed(center)
        h = F.broadcast_to(h[:, None, :], (batch, n_context, h.shape[1]))
        h = F.reshape(h, (batch * n_context, -1))
        loss = self.loss_func(h, context.reshape(-1)) / (batch * n_context)
        dbr.report({'loss': loss}, self)
        return loss


class ContinuousBoW(dbr.Chain):
    """Predicts the center word from the sum of its context words' vectors."""

    def __init__(self, n_vocab, n_units, counts, negative_size):
        super().__init__()
        with self.init_scope():
            self.embed = L.EmbedID(n_vocab, n_units, initialW=initializers.Uniform(0.5 / n_units))
            self.loss_func = L.NegativeSampling(n_units, counts, negative_size)

    def forward(self, center, context):
        h = F.sum(self.embed(context), axis=1)
        loss = self.loss_func(h, center) / center.shape[0]
        dbr.report({'loss': loss}, self)
        return loss


MODELS = {'skipgram': SkipGram, 'cbow': ContinuousBoW}


def train_embeddings(train, valid, n_vocab, *, model='skipgram', unit=100, window=5,
                     batchsize=1000, negative_size=5, epoch=3, device='@numpy', out='result',
                     progress=True, seed=0):
    """Trains word vectors on the token stream ``train``; returns the ``(n_vocab, unit)``
    input vectors as a NumPy array.

    Negatives are drawn from the training unigram counts raised to 0.75. The loss on
    ``valid`` (when given) is reported every epoch in ``out/log``. ``seed`` fixes the
    initial vectors, the batch order and the negatives.
    """
    device = dbr.get_device(device)
    device.use()
    numpy.random.seed(seed)
    if device.xp is not numpy:
        device.xp.random.seed(seed)
    counts = numpy.bincount(train, minlength=n_vocab)
    net = MODELS[model](n_vocab, unit, counts, negative_size)
    net.to_device(device)
    optimizer = dbr.optimizers.Adam()
    optimizer.setup(net)

    train_iter = WindowIterator(train, window, batchsize, seed=seed)
    updater = training.updaters.StandardUpdater(train_iter, optimizer, converter=convert,
                                                device=device)
    trainer = training.Trainer(updater, (epoch, 'epoch'), out=out)
    entries = ['epoch', 'iteration', 'main/loss', 'elapsed_time']
    if valid is not None:
        valid_iter = WindowIterator(valid, window, batchsize, repeat=False)
        trainer.extend(extensions.Evaluator(valid_iter, net, converter=convert, device=device))
        entries.insert(3, 'validation/main/loss')
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.PrintReport(entries))
    if progress:
        trainer.extend(extensions.ProgressBar(update_interval=10))
    trainer.run()
    return dbr.backend.to_cpu(net.embed.W.array)


def save_embeddings(path, words, vectors):
    """Writes word2vec's text format: ``n_vocab n_units``, then ``word v1 v2 ...`` per line."""
    with open(path, 'w') as f:
        f.write(f'{vectors.shape[0]} {vectors.shape[1]}\n')
        for word, v in zip(words, vectors):
            f.write(word + ' ' + ' '.join(f'{x:.6f}' for x in v) + '\n')


def load_embeddings(path):
    """Reads a file written by ``save_embeddings``; returns ``(words, vectors)``."""
    with open(path) as f:
        n_vocab, n_units = (int(x) for x in f.readline().split())
        words = []
        vectors = numpy.empty((n_vocab, n_units), numpy.float32)
        for i, line in enumerate(f):
            word, *values = line.split(' ')
            words.append(word)
            vectors[i] = numpy.array(values, numpy.float32)
    if len(words) != n_vocab:
        raise ValueError(f'{path}: the header promises {n_vocab} words, found {len(words)}')
    return words, vectors


def nearest_neighbours(vectors, query, k=5):
    """Indices and cosine similarities of the ``k`` words closest to word id ``query``."""
    unit = vectors / numpy.maximum(numpy.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similarity = unit @ unit[query]
    similarity[query] = -numpy.inf
    best = numpy.argsort(-similarity)[:k]
    return best, similarity[best]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', choices=sorted(MODELS), default='skipgram')
    parser.add_argument('--unit', type=int, default=100, help='vector size')
    parser.add_argument('--window', type=int, default=5, help='context words on each side')
    parser.add_argument('--batchsize', type=int, default=1000, help='centers per batch')
    parser.add_argument('--negative-size', type=int, default=5, help='negatives per word')
    parser.add_argument('--epoch', type=int, default=3)
    parser.add_argument('--device', default='@numpy',
                        help='@numpy (default), @cupy:N or a GPU id (-1 for the CPU)')
    parser.add_argument('--out', default='result_word2vec', help='output directory')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--query', nargs='*', default=list(QUERIES),
                        help='words whose nearest neighbours are printed')
    parser.add_argument('--test', action='store_true',
                        help='tiny slice and model, for CI (seconds)')
    args = parser.parse_args()
    device = int(args.device) if args.device.lstrip('-').isdigit() else args.device

    train, valid, _ = dbr.datasets.get_ptb_words()
    vocab = dbr.datasets.get_ptb_words_vocabulary()
    if args.test:
        train, valid = train[:5000], valid[:1000]
        args.unit, args.batchsize, args.epoch = 16, 200, 2
    words = sorted(vocab, key=vocab.get)
    print(f'model {args.model}  vocabulary {len(words)}  train tokens {len(train)}  '
          f'unit {args.unit}  window {args.window}  batch {args.batchsize}  '
          f'negatives {args.negative_size}  epochs {args.epoch}')

    start = time.time()
    vectors = train_embeddings(train, valid, len(words), model=args.model, unit=args.unit,
                               window=args.window, batchsize=args.batchsize,
                               negative_size=args.negative_size, epoch=args.epoch,
                               device=device, out=args.out, progress=not args.test,
                               seed=args.seed)
    print(f'training time {time.time() - start:.1f} s')

    os.makedirs(args.out, exist_ok=True)
    save_embeddings(os.path.join(args.out, 'word2vec.model'), words, vectors)
    numpy.savez(os.path.join(args.out, 'embeddings.npz'), W=vectors, words=numpy.array(words))
    print(f'saved {args.out}/word2vec.model and {args.out}/embeddings.npz')

    for query in args.query:
        if query not in vocab:
            print(f'{query}: not in the vocabulary')
            continue
        best, similarity = nearest_neighbours(vectors, vocab[query])
        print(f'nearest to {query}: ' +
              ', '.join(f'{words[i]} {s:.3f}' for i, s in zip(best, similarity)))


if __name__ == '__main__':
    main()
