"""The class factorization that turns a language model over word classes into a model of the
full vocabulary:

    P(w | h) = P(class(w) | h) * P(w | class(w))

A class is either one frequent word (then ``P(w | class) = 1``) or a group of rare words
sharing one token such as ``<unk:7>``, with ``P(w | class)`` the word's share of the class's
training count. The LM itself is the PTB example's ``RNNLM`` (examples/ptb/train_ptb.py),
trained on the class tokens.
"""
import numpy

import dbr
import dbr.functions as F
from dbr import backend


class WordClasses:
    """The map from the full vocabulary to the tokens the LM sees.

    Args:
        counts: Training count of every word of the full vocabulary.
        frequent: Word ids that keep their own token, in the order of their class ids.
        rare_labels: ``(n_words,)`` cluster id of each word that is not in ``frequent``
            (other entries are ignored); None when ``frequent`` covers every word.
        cluster_names: Token name of each cluster.
        words: The full vocabulary, by word id.
        smoothing (float): Added to every count before ``P(w | class)`` is taken (0 uses the
            plain training frequency; needed > 0 only for words never seen in training).

    Attributes:
        word_class: ``(n_words,)`` class id of each word.
        names: Token name of each class.
        log_p_in_class: ``(n_words,)`` ``log P(w | class(w))``.
        members: For each class, its word ids.
    """

    def __init__(self, counts, frequent, rare_labels, cluster_names, words, smoothing=0.0):
        counts = numpy.asarray(counts, numpy.float64)
        n_words = len(counts)
        frequent = numpy.asarray(frequent)
        grouped = numpy.ones(n_words, bool)
        grouped[frequent] = False
        self.word_class = numpy.empty(n_words, numpy.int32)
        self.word_class[frequent] = numpy.arange(len(frequent))
        self.names = [words[i] for i in frequent]
        if grouped.any():
            self.word_class[grouped] = len(frequent) + numpy.asarray(rare_labels)[grouped]
            self.names += list(cluster_names)
        n_classes = len(self.names)
        weight = counts + smoothing
        total = numpy.bincount(self.word_class, weights=weight, minlength=n_classes)
        size = numpy.bincount(self.word_class, minlength=n_classes)
        with numpy.errstate(divide='ignore', invalid='ignore'):
            log_p = numpy.log(weight / total[self.word_class])
        log_p[size[self.word_class] == 1] = 0.0  # a word alone in its class
        bad = ~numpy.isfinite(log_p)
        if bad.any():
            raise ValueError(f'WordClasses: {int(bad.sum())} words (such as '
                             f'{words[int(numpy.flatnonzero(bad)[0])]!r}) never occur in '
                             f'training and share a class; use smoothing > 0')
        self.log_p_in_class = log_p.astype(numpy.float32)
        order = numpy.argsort(self.word_class, kind='stable')
        ends = numpy.cumsum(size)
        self.members = numpy.split(order, ends[:-1])
        # Words grouped by class; each class's probabilities sum to 1, so the running sum
        # runs over (c, c + 1] within class c: drawing from class c is a search for c + u.
        self._order = order
        self._cumulative = numpy.cumsum(numpy.exp(log_p[order]))
        self._first, self._last = ends - size, ends - 1

    @property
    def n_classes(self):
        return len(self.names)

    def draw_words(self, classes, rng):
        """Replaces each class id by a word drawn from ``P(w | class)``."""
        classes = numpy.asarray(classes)
        i = numpy.searchsorted(self._cumulative, classes + rng.uniform(size=classes.shape),
                               side='right')
        # Rounding in the running sum must not push a draw into a neighbouring class.
        i = numpy.clip(i, self._first[classes], self._last[classes])
        return self._order[i].astype(numpy.int32)


def full_vocab_log_probs(class_log_probs, word_class, log_p_in_class):
    """``log P(w | h)`` for every word: ``(N, n_classes)`` class log-probabilities in,
    ``(N, n_words)`` word log-probabilities out (each row sums to 1 in probability)."""
    return class_log_probs[:, word_class] + log_p_in_class[None, :]


def target_log_probs(class_log_probs, targets, word_class, log_p_in_class):
    """``log P(w_i | h_i)`` of the words ``targets`` (``(N,)``) under the factorization."""
    xp = backend.get_array_module(class_log_probs)
    rows = xp.arange(len(targets))
    return class_log_probs[rows, word_class[targets]] + log_p_in_class[targets]


def bigram_nll(classes, train, stream, prior):
    """Total ``-log P(w | previous word)`` over ``stream[1:]`` and its length, for a class
    bigram model counted on ``train``: ``P(c | c') = (n(c', c) + prior * P(c)) / (n(c') +
    prior)`` times ``P(w | class)``. A cheap stand-in for the LM when comparing class maps."""
    n = classes.n_classes
    c_train = classes.word_class[train].astype(numpy.int64)
    c = classes.word_class[stream].astype(numpy.int64)
    unigram = (numpy.bincount(c_train, minlength=n) + 0.5) / (len(c_train) + 0.5 * n)
    pairs = numpy.sort(c_train[:-1] * n + c_train[1:])
    codes = c[:-1] * n + c[1:]
    n_pair = numpy.searchsorted(pairs, codes, 'right') - numpy.searchsorted(pairs, codes, 'left')
    n_prev = numpy.bincount(c_train[:-1], minlength=n)[c[:-1]]
    p_class = (n_pair + prior * unigram[c[1:]]) / (n_prev + prior)
    return -float((numpy.log(p_class) + classes.log_p_in_class[stream[1:]]).sum()), len(codes)


def word_nll(model, sentences, stream, classes, batch_size=256):
    """Total ``-log P(w | h)`` over the words of ``stream`` and their number, with the class
    factorization. ``sentences`` are the class-id sentences ``[<eos>, c1, .., cn, <eos>]``
    of ``stream`` in order, so their targets concatenated are ``stream``'s words."""
    xp = model.xp
    word_class = xp.asarray(classes.word_class)
    log_p_in_class = xp.asarray(classes.log_p_in_class)
    targets = xp.asarray(stream)
    nll, start = 0.0, 0
    with dbr.using_config('train', False), dbr.no_backprop_mode():
        for i in range(0, len(sentences), batch_size):
            xs = [xp.asarray(s[:-1]) for s in sentences[i:i + batch_size]]
            class_log_probs = F.log_softmax(model.logits(xs)).array
            n = len(class_log_probs)
            logp = target_log_probs(class_log_probs, targets[start:start + n], word_class,
                                    log_p_in_class)
            nll -= float(logp.sum())
            start += n
    if start != len(stream):
        raise ValueError(f'word_nll: the sentences hold {start} targets, the stream {len(stream)}')
    return nll, start


def sample(model, bos, n_chains, n_steps, rng):
    """Samples ``n_chains`` streams of ``n_steps`` tokens from an ``RNNLM``, starting each
    sentence from a zero state after ``bos`` (the ``<eos>`` token), as in training.

    Returns:
        ``(n_chains, n_steps)`` int array of token ids.
    """
    xp = model.xp
    x = numpy.full(n_chains, bos, numpy.int32)
    hx = cx = None
    out = numpy.empty((n_chains, n_steps), numpy.int32)
    with dbr.using_config('train', False), dbr.no_backprop_mode():
        for step in range(n_steps):
            # One step of every chain: n_chains sequences of length 1.
            e = model.embed(xp.asarray(x))
            hx, cx, hs = model.rnn(hx, cx, F.split_axis(e, n_chains, axis=0))
            p = F.softmax(model.out(F.concat(hs, axis=0))).array
            cumulative = backend.to_cpu(p).astype(numpy.float64).cumsum(axis=1)
            u = rng.uniform(size=(n_chains, 1)) * cumulative[:, -1:]
            x = numpy.minimum((cumulative < u).sum(axis=1), p.shape[1] - 1).astype(numpy.int32)
            out[:, step] = x
            keep = xp.asarray(x != bos, dtype=numpy.float32)[None, :, None]
            hx, cx = hx * keep, cx * keep
    return out
