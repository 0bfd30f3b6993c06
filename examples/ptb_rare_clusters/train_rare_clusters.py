"""Rare words on the Penn Treebank: one <unk> token versus k-means clusters of word vectors.

When a language model's vocabulary is cut to the V most frequent words, mapping every other
word to one unknown token makes that token the most frequent one (13% of PTB's training tokens
for V = 2,000, more than twice "the"), and the model emits it everywhere. Here the rare words' word2vec vectors (examples/word2vec, trained on the full
vocabulary) are clustered with k-means and each rare word becomes its cluster's token
``<unk:k>``. The same LSTM LM is trained on

    (a) the top V words + one token <unk:*> for all rare words,
    (b) the top V words + K cluster tokens <unk:0> ... <unk:K-1>,
    (c) the full vocabulary (reference),

and all three are scored on the full vocabulary with P(w | h) = P(class(w) | h) * P(w | class(w)),
P(w | class) being w's share of its class's training count. For text sampled from each model
the share of rare words is reported, and a few samples are shown with each class token replaced
by a word drawn from its class. (PTB's own ``<unk>`` is an ordinary frequent word here.)

    python examples/word2vec/train_word2vec.py --model cbow --epoch 10 --out result_word2vec
    python examples/ptb_rare_clusters/train_rare_clusters.py \\
        --embeddings result_word2vec/word2vec.model
    python examples/ptb_rare_clusters/train_rare_clusters.py --test     # seconds, for CI
    python examples/ptb_rare_clusters/train_rare_clusters.py --sweep 1 50 200 \\
        --embeddings result_word2vec/word2vec.model     # choose K with class bigram models

Without ``--embeddings`` the word vectors are trained first (CBOW, 10 epochs) with the word2vec
example's code.
"""
import argparse
import json
import math
import os
import pathlib
import sys
import time

import numpy

import dbr
from dbr import training
from dbr.training import extensions

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / 'word2vec'))
sys.path.insert(0, str(HERE.parent / 'ptb'))

import class_lm  # noqa: E402
import kmeans  # noqa: E402
import train_ptb  # noqa: E402
import train_word2vec  # noqa: E402

SETUPS = {'a': 'top-V + one <unk:*>', 'b': 'top-V + K clusters', 'c': 'full vocabulary'}


def get_vectors(args, train, valid, words):
    """Word vectors of the full vocabulary: read from ``--embeddings`` or trained now."""
    if args.embeddings:
        if args.embeddings.endswith('.npz'):
            with numpy.load(args.embeddings) as f:
                file_words, vectors = list(f['words']), f['W']
        else:
            file_words, vectors = train_word2vec.load_embeddings(args.embeddings)
        if file_words != words:
            raise ValueError(f'{args.embeddings}: its words are not the PTB vocabulary in id '
                             f'order; write it with examples/word2vec/train_word2vec.py')
        print(f'word vectors: {args.embeddings} {vectors.shape}')
        return vectors
    print(f'training word vectors ({args.w2v_model}) on the full vocabulary')
    return train_word2vec.train_embeddings(
        train, valid, len(words), model=args.w2v_model, unit=args.w2v_unit,
        epoch=args.w2v_epoch, batchsize=args.w2v_batchsize, device=args.device,
        out=os.path.join(args.out, 'word2vec'), progress=not args.test, seed=args.seed)


def cluster_rare_words(vectors, rare, k, device, seed, verbose=True):
    """k-means of the rare words' unit-length vectors on ``device``; returns labels (host)."""
    x = vectors[rare].astype(numpy.float32)
    x /= numpy.maximum(numpy.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    _, labels, inertia = kmeans.kmeans(device.send(x), k, seed=seed)
    labels = dbr.backend.to_cpu(labels)
    if verbose:
        print(f'k-means: {len(rare)} rare words into {k} clusters, inertia {inertia:.1f}')
    return labels


def class_sentences(classes, stream, eos):
    """The sentences of a word stream as class ids, ``[<eos>, c1, .., cn, <eos>]``."""
    return train_ptb.sentences(classes.word_class[stream], classes.word_class[eos])


def train_lm(classes, train, valid, args, device, out):
    """Trains the PTB example's RNNLM on the class tokens of ``train``; returns the model."""
    model = train_ptb.RNNLM(classes.n_classes, args.unit, args.layer, args.dropout)
    model.to_device(device)
    optimizer = dbr.optimizers.Adam(alpha=args.lr)
    optimizer.setup(model)
    optimizer.add_hook(dbr.optimizer_hooks.GradientClipping(args.gradclip))
    train_iter = dbr.iterators.BucketIterator(class_sentences(classes, train, args.eos),
                                              args.batchsize, n_buckets=20)
    valid_iter = dbr.iterators.BucketIterator(class_sentences(classes, valid, args.eos),
                                              args.batchsize, shuffle=False, repeat=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer,
                                                converter=train_ptb.convert, device=device)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=out)
    trainer.extend(train_ptb.PerplexityEvaluator(valid_iter, model, converter=train_ptb.convert,
                                                 device=device))
    trainer.extend(extensions.LogReport(trigger=args.log_trigger))
    trainer.extend(extensions.PrintReport(
        ['epoch', 'iteration', 'main/loss', 'validation/main/loss',
         'validation/main/perplexity', 'elapsed_time']), trigger=args.log_trigger)
    if not args.test:
        trainer.extend(extensions.ProgressBar(update_interval=10))
    trainer.run()
    return model


def sweep_clusters(args, counts, frequent, rare, vectors, words, valid, test, train, device):
    """Prints the full-vocabulary perplexity of class *bigram* models for each K of
    ``args.sweep``: seconds per K instead of an LM training, to choose K."""
    by_count = numpy.argsort(-counts, kind='stable')
    print(f'class bigram models, V = {args.vocab}; full-vocabulary perplexity (the prior is '
          f'chosen on valid from 1, 10, 100, 1000)')
    print('| K | valid ppl | test ppl | prior |')
    print('|---|---|---|---|')
    for k in args.sweep + [None]:
        if k is None:
            classes = class_lm.WordClasses(counts, by_count, None, [], words, args.smoothing)
        else:
            labels = numpy.zeros(len(words), numpy.int64)
            labels[rare] = cluster_rare_words(vectors, rare, k, device, args.seed, verbose=False)
            classes = class_lm.WordClasses(counts, frequent, labels,
                                           [f'<unk:{j}>' for j in range(k)], words,
                                           args.smoothing)
        valid_ppl, prior = min((math.exp(numpy.divide(*class_lm.bigram_nll(
            classes, train, valid, prior))), prior) for prior in (1, 10, 100, 1000))
        test_ppl = math.exp(numpy.divide(*class_lm.bigram_nll(classes, train, test, prior)))
        name = 'full vocabulary' if k is None else k
        print(f'| {name} | {valid_ppl:.1f} | {test_ppl:.1f} | {prior} |', flush=True)


def show_samples(classes, tokens, eos, words, rng, n_sentences):
    """Prints the first sampled sentences as class tokens and with the class tokens replaced
    by words drawn from their class (those in [brackets])."""
    shown = 0
    for chain in tokens:
        ends = numpy.flatnonzero(chain == classes.word_class[eos])
        start = 0
        for end in ends:
            sentence = chain[start:end]
            start = end + 1
            if not 3 <= len(sentence) <= 30:
                continue
            drawn = classes.draw_words(sentence, rng)
            print('    tokens: ' + ' '.join(classes.names[c] for c in sentence))
            print('    words:  ' + ' '.join(
                f'[{words[w]}]' if len(classes.members[c]) > 1 else words[w]
                for c, w in zip(sentence, drawn)))
            shown += 1
            if shown == n_sentences:
                return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--vocab', '-V', type=int, default=2000,
                        help='number of frequent words that keep their own token')
    parser.add_argument('--clusters', '-K', type=int, default=200,
                        help='number of k-means clusters of the rare words in setup (b)')
    parser.add_argument('--setups', default='abc', help='which of a, b, c to run')
    parser.add_argument('--embeddings', help='word2vec.model or embeddings.npz written by '
                        'examples/word2vec/train_word2vec.py; trained now when omitted')
    parser.add_argument('--w2v-model', choices=sorted(train_word2vec.MODELS), default='cbow',
                        help='word2vec model trained when --embeddings is omitted')
    parser.add_argument('--w2v-unit', type=int, default=100)
    parser.add_argument('--w2v-epoch', type=int, default=10)
    parser.add_argument('--w2v-batchsize', type=int, default=1000)
    parser.add_argument('--unit', type=int, default=200, help='LM embedding and hidden size')
    parser.add_argument('--layer', type=int, default=1, help='LM LSTM layers')
    parser.add_argument('--dropout', type=float, default=0.2)
    parser.add_argument('--epoch', type=int, default=2, help='LM training epochs')
    parser.add_argument('--batchsize', type=int, default=64, help='sentences per batch')
    parser.add_argument('--lr', type=float, default=0.002, help='Adam step size')
    parser.add_argument('--gradclip', type=float, default=5.0)
    parser.add_argument('--sample-tokens', type=int, default=2000,
                        help='tokens sampled from each model')
    parser.add_argument('--smoothing', type=float, default=0.0,
                        help='added to the counts in P(w | class); only needed for words '
                        'never seen in training')
    parser.add_argument('--sweep', type=int, nargs='+', metavar='K',
                        help='only compare these numbers of clusters with class bigram '
                        'models (fast), then stop')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', default='@numpy',
                        help='@numpy (default), @cupy:N or a GPU id (-1 for the CPU)')
    parser.add_argument('--out', default='result_rare_clusters', help='output directory')
    parser.add_argument('--test', action='store_true',
                        help='tiny slices and models, for CI (seconds)')
    args = parser.parse_args()
    args.log_trigger = (100, 'iteration')
    if args.device.lstrip('-').isdigit():
        args.device = int(args.device)
    device = dbr.get_device(args.device)
    device.use()

    train, valid, test = dbr.datasets.get_ptb_words()
    vocab = dbr.datasets.get_ptb_words_vocabulary()
    words = sorted(vocab, key=vocab.get)
    args.eos = vocab['<eos>']
    if args.test:
        train, valid, test = train[:6000], valid[:1500], test[:1500]
        args.vocab, args.clusters, args.unit, args.epoch, args.batchsize = 100, 5, 16, 2, 32
        args.w2v_unit, args.w2v_epoch, args.w2v_batchsize = 8, 1, 500
        args.sample_tokens, args.smoothing = 200, args.smoothing or 1.0
        args.log_trigger = (1, 'epoch')

    counts = numpy.bincount(train, minlength=len(words))
    by_count = numpy.argsort(-counts, kind='stable')
    frequent, rare = by_count[:args.vocab], by_count[args.vocab:]
    is_rare = numpy.zeros(len(words), bool)
    is_rare[rare] = True
    share = lambda stream: float(is_rare[stream].mean())  # noqa: E731
    print(f'vocabulary {len(words)}, top V = {args.vocab} words cover '
          f'{1 - share(train):.1%} of train; rare words: {len(rare)} types, '
          f'{share(train):.1%} of train and {share(test):.1%} of test tokens')

    vectors = get_vectors(args, train, valid, words)
    if args.sweep:
        sweep_clusters(args, counts, frequent, rare, vectors, words, valid, test, train, device)
        return
    start = time.time()
    labels = numpy.zeros(len(words), numpy.int64)
    labels[rare] = cluster_rare_words(vectors, rare, args.clusters, device, args.seed)
    print(f'k-means time {time.time() - start:.1f} s')
    cluster_names = [f'<unk:{k}>' for k in range(args.clusters)]
    for k in range(args.clusters):
        members = rare[labels[rare] == k]
        top = members[numpy.argsort(-counts[members], kind='stable')][:8]
        print(f'  {cluster_names[k]:>9} {len(members):5d} words, '
              f'{int(counts[members].sum()):6d} tokens: ' + ' '.join(words[i] for i in top))

    setups = {
        'a': class_lm.WordClasses(counts, frequent, numpy.zeros(len(words), numpy.int64),
                                  ['<unk:*>'], words, args.smoothing),
        'b': class_lm.WordClasses(counts, frequent, labels, cluster_names, words,
                                  args.smoothing),
        'c': class_lm.WordClasses(counts, by_count, None, [], words, args.smoothing),
    }
    results = {}
    for key in args.setups:
        classes = setups[key]
        print(f'\n({key}) {SETUPS[key]}: {classes.n_classes} tokens')
        # Seeded per setup: `--setups c` alone reproduces the (c) row of a full run.
        numpy.random.seed(args.seed)
        if device.xp is not numpy:
            device.xp.random.seed(args.seed)
        rng = numpy.random.RandomState(args.seed)
        start = time.time()
        model = train_lm(classes, train, valid, args, device, os.path.join(args.out, key))
        train_time = time.time() - start
        dbr.serializers.save_npz(os.path.join(args.out, key, 'model.npz'), model)
        row = {'setup': SETUPS[key], 'tokens': classes.n_classes, 'train_s': train_time}
        for name, stream in (('valid', valid), ('test', test)):
            nll, n = class_lm.word_nll(model, class_sentences(classes, stream, args.eos),
                                       stream, classes)
            row[f'{name}_ppl'] = math.exp(nll / n)
        sampled = class_lm.sample(model, classes.word_class[args.eos], 20,
                                  max(1, args.sample_tokens // 20), rng)
        drawn = classes.draw_words(sampled.ravel(), rng)
        row['sample_rare_share'] = share(drawn)
        row['sample_tokens'] = int(sampled.size)
        results[key] = row
        print(f'({key}) full-vocabulary perplexity: valid {row["valid_ppl"]:.1f}, '
              f'test {row["test_ppl"]:.1f}; rare-word share of {sampled.size} sampled tokens '
              f'{row["sample_rare_share"]:.1%} (test text: {share(test):.1%}); '
              f'training {train_time:.0f} s')
        show_samples(classes, sampled, args.eos, words, rng, 3)

    print(f'\nV = {args.vocab}, K = {args.clusters}; rare words are {share(test):.1%} of the '
          f'test tokens')
    print('| setup | LM tokens | valid ppl | test ppl (full vocab) | rare share in samples '
          '| train time |')
    print('|---|---|---|---|---|---|')
    for key, row in results.items():
        print(f'| ({key}) {row["setup"]} | {row["tokens"]} | {row["valid_ppl"]:.1f} | '
              f'{row["test_ppl"]:.1f} | {row["sample_rare_share"]:.1%} | '
              f'{row["train_s"]:.0f} s |')
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump({'vocab': args.vocab, 'clusters': args.clusters,
                   'test_rare_share': share(test), 'results': results}, f, indent=1)


if __name__ == '__main__':
    main()
