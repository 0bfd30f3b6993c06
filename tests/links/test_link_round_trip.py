"""Every link x (SGD, Adam): 3 steps, save, load into fresh objects, 3 more == 6 straight."""
import io

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import serializers

R = numpy.random.RandomState(0)


def _f(*shape):
    return R.uniform(-1, 1, shape).astype(numpy.float32)


X2 = _f(4, 3)
IMG = _f(2, 3, 6, 6)
SEQ = [_f(n, 3) for n in (3, 1, 2)]


def _seq_sum(out):
    return sum(F.sum(y * y) for y in out[-1]) + F.sum(out[0] * out[0])


def _stateful(link, x):
    link.reset_state()
    return F.sum(link(x) ** 2) + F.sum(link(x * 0.5) ** 2)


def _negative_sampling(link, x):
    numpy.random.seed(5)   # the sampler draws from numpy.random: same negatives in every run
    return link(x, numpy.array([0, 1, 2, 1]))


CASES = {
    'Linear': (lambda: L.Linear(3, 4), lambda l: F.sum(l(X2) ** 2)),
    'LinearLazy': (lambda: L.Linear(None, 4), lambda l: F.sum(l(X2) ** 2)),
    'EmbedID': (lambda: L.EmbedID(5, 3), lambda l: F.sum(l(numpy.array([0, 3, 3, 4])) ** 2)),
    'Bilinear': (lambda: L.Bilinear(3, 3, 2), lambda l: F.sum(l(X2, X2 * 2) ** 2)),
    'Convolution2D': (lambda: L.Convolution2D(3, 4, 3, pad=1), lambda l: F.sum(l(IMG) ** 2)),
    'Deconvolution2D': (lambda: L.Deconvolution2D(3, 2, 3, stride=2),
                        lambda l: F.sum(l(IMG) ** 2)),
    'ConvolutionND': (lambda: L.ConvolutionND(1, 3, 2, 3), lambda l: F.sum(l(IMG[:, :, 0]) ** 2)),
    'DeconvolutionND': (lambda: L.DeconvolutionND(1, 3, 2, 3),
                        lambda l: F.sum(l(IMG[:, :, 0]) ** 2)),
    'DepthwiseConvolution2D': (lambda: L.DepthwiseConvolution2D(3, 2, 3),
                               lambda l: F.sum(l(IMG) ** 2)),
    'BatchNormalization': (lambda: L.BatchNormalization(3), lambda l: F.sum(F.tanh(l(IMG)) * IMG)),
    'LayerNormalization': (lambda: L.LayerNormalization(3), lambda l: F.sum(F.tanh(l(X2)) * X2)),
    'GroupNormalization': (lambda: L.GroupNormalization(3, 3),
                           lambda l: F.sum(F.tanh(l(IMG)) * IMG)),
    'LSTM': (lambda: L.LSTM(3, 4), lambda l: _stateful(l, X2)),
    'GRU': (lambda: L.GRU(3, 4), lambda l: _stateful(l, X2)),
    'StatelessLSTM': (lambda: L.StatelessLSTM(3, 4),
                      lambda l: F.sum(l(None, None, X2)[1] ** 2)),
    'StatelessGRU': (lambda: L.StatelessGRU(3, 4),
                     lambda l: F.sum(l(numpy.zeros((4, 4), numpy.float32), X2) ** 2)),
    'Highway': (lambda: L.Highway(3), lambda l: F.sum(l(X2) ** 2)),
    'Maxout': (lambda: L.Maxout(3, 2, 2), lambda l: F.sum(l(X2) ** 2)),
    'PReLU': (lambda: L.PReLU(), lambda l: F.sum(l(X2) ** 2)),
    'Swish': (lambda: L.Swish((3,)), lambda l: F.sum(l(X2) ** 2)),
    'Scale': (lambda: L.Scale(W_shape=(3,), bias_term=True), lambda l: F.sum(l(X2) ** 2)),
    'Bias': (lambda: L.Bias(shape=(3,)), lambda l: F.sum(l(X2) ** 2)),
    'NegativeSampling': (lambda: L.NegativeSampling(3, [3, 2, 4, 1], 2),
                         lambda l: _negative_sampling(l, X2)),
    'BinaryHierarchicalSoftmax': (lambda: L.BinaryHierarchicalSoftmax(3, ((0, 1), (2, 3))),
                                  lambda l: l(X2, numpy.array([0, 3, 2, 1], numpy.int32))),
    'Classifier': (lambda: L.Classifier(L.Linear(3, 3)),
                   lambda l: l(X2, numpy.array([0, 2, 1, 1], numpy.int32))),
    'NStepLSTM': (lambda: L.NStepLSTM(2, 3, 4, 0.0), lambda l: _seq_sum(l(None, None, SEQ))),
    'NStepBiGRU': (lambda: L.NStepBiGRU(1, 3, 2, 0.0), lambda l: _seq_sum(l(None, SEQ))),
    'NStepRNNReLU': (lambda: L.NStepRNNReLU(1, 3, 2, 0.0), lambda l: _seq_sum(l(None, SEQ))),
}


def test_every_exported_link_is_covered():
    covered = {name.replace('Lazy', '') for name in CASES}
    others = {'Convolution1D', 'Convolution3D', 'Deconvolution1D', 'Deconvolution3D',
              'StatefulGRU', 'NStepBiLSTM', 'NStepGRU', 'NStepBiRNNReLU', 'NStepBiRNNTanh',
              'NStepRNNTanh'}   # thin variants of covered classes
    assert set(L.__all__) <= covered | others


def _train(link, opt, loss, n):
    for _ in range(n):
        opt.update(loss, link)


@pytest.mark.parametrize('name', sorted(CASES))
@pytest.mark.parametrize('make_opt', [lambda: dbr.optimizers.SGD(lr=0.05),
                                      lambda: dbr.optimizers.Adam(alpha=0.01)],
                         ids=['SGD', 'Adam'])
def test_resume_is_identical_to_straight_training(name, make_opt):
    make, loss = CASES[name]

    def build():
        numpy.random.seed(1)
        link = make()
        loss(link)   # a first call under one seed: lazy parameters start equal too
        return link

    straight = build()
    first = build()
    opt_straight = make_opt().setup(straight)
    _train(straight, opt_straight, loss, 6)

    opt_first = make_opt().setup(first)
    _train(first, opt_first, loss, 3)
    model_file, opt_file = io.BytesIO(), io.BytesIO()
    serializers.save_npz(model_file, first)
    serializers.save_npz(opt_file, opt_first)
    model_file.seek(0)
    opt_file.seek(0)

    numpy.random.seed(99)   # a fresh object with other initial values
    resumed = make()
    opt_resumed = make_opt().setup(resumed)
    serializers.load_npz(model_file, resumed)
    serializers.load_npz(opt_file, opt_resumed)
    _train(resumed, opt_resumed, loss, 3)

    a = dict(straight.namedparams())
    b = dict(resumed.namedparams())
    assert a.keys() == b.keys()
    for path in a:
        assert numpy.array_equal(a[path].array, b[path].array), path
