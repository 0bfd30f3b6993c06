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


def _sampled(link, *args):
    numpy.random.seed(5)   # samplers draw from numpy.random: the same draws in every run
    return link(*args)


def _black_out():
    link = L.BlackOut(3, [3, 2, 4, 1], 2)
    # Chainer's BlackOut leaves W unset (NaN); numpy.random is seeded by build()
    link.W.array[...] = numpy.random.uniform(-1, 1, (4, 3))
    return link


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
                         lambda l: _sampled(l, X2, numpy.array([0, 1, 2, 1]))),
    'BinaryHierarchicalSoftmax': (lambda: L.BinaryHierarchicalSoftmax(3, ((0, 1), (2, 3))),
                                  lambda l: l(X2, numpy.array([0, 3, 2, 1], numpy.int32))),
    'Classifier': (lambda: L.Classifier(L.Linear(3, 3)),
                   lambda l: l(X2, numpy.array([0, 2, 1, 1], numpy.int32))),
    'NStepLSTM': (lambda: L.NStepLSTM(2, 3, 4, 0.0), lambda l: _seq_sum(l(None, None, SEQ))),
    'NStepBiGRU': (lambda: L.NStepBiGRU(1, 3, 2, 0.0), lambda l: _seq_sum(l(None, SEQ))),
    'NStepRNNReLU': (lambda: L.NStepRNNReLU(1, 3, 2, 0.0), lambda l: _seq_sum(l(None, SEQ))),
    'StatefulPeepholeLSTM': (lambda: L.StatefulPeepholeLSTM(3, 4), lambda l: _stateful(l, X2)),
    'StatefulZoneoutLSTM': (lambda: L.StatefulZoneoutLSTM(3, 4, 0.0, 0.0),
                            lambda l: _stateful(l, X2)),
    'StatefulMGU': (lambda: L.StatefulMGU(3, 4), lambda l: _stateful(l, X2)),
    'StatelessMGU': (lambda: L.StatelessMGU(3, 4),
                     lambda l: F.sum(l(numpy.zeros((4, 4), numpy.float32), X2) ** 2)),
    'ChildSumTreeLSTM': (lambda: L.ChildSumTreeLSTM(3, 2),
                         lambda l: F.sum(l(X2[:, :2], X2[:, 1:], X2[:, :2], X2[:, 1:], X2)[1] ** 2)),
    'NaryTreeLSTM': (lambda: L.NaryTreeLSTM(3, 2),
                     lambda l: F.sum(l(X2[:, :2], X2[:, 1:], X2[:, :2], X2[:, 1:], X2)[1] ** 2)),
    'Parameter': (lambda: L.Parameter(numpy.random.uniform(-1, 1, (2, 3)).astype(numpy.float32)),
                  lambda l: F.sum(F.tanh(l()) * X2[:2])),
    'MLPConvolution2D': (lambda: L.MLPConvolution2D(3, (4, 2), 3, pad=1),
                         lambda l: F.sum(l(IMG) ** 2)),
    'Inception': (lambda: L.Inception(3, 2, 2, 2, 2, 2, 2), lambda l: F.sum(l(IMG) ** 2)),
    'InceptionBN': (lambda: L.InceptionBN(3, 2, 2, 2, 2, 2, 'max', proj_pool=2),
                    lambda l: F.sum(F.tanh(l(IMG)) * IMG[:, :1])),
    'SimplifiedDropconnect': (lambda: L.SimplifiedDropconnect(3, 4, ratio=0.3),
                              lambda l: F.sum(_sampled(l, X2) ** 2)),
    'BatchRenormalization': (lambda: L.BatchRenormalization(3, rmax=2.0, dmax=1.0),
                             lambda l: F.sum(F.tanh(l(IMG)) * IMG)),
    'DecorrelatedBatchNormalization': (lambda: L.DecorrelatedBatchNormalization(3, groups=1),
                                       lambda l: F.sum(F.tanh(l(IMG)) * IMG)),
    'BlackOut': (_black_out, lambda l: _sampled(l, X2, numpy.array([0, 1, 2, 1], 'i'))),
    'DilatedConvolution2D': (lambda: L.DilatedConvolution2D(3, 2, 3, pad=2, dilate=2),
                             lambda l: F.sum(l(IMG) ** 2)),
    'LocalConvolution2D': (lambda: L.LocalConvolution2D(3, 2, (6, 6), 3),
                           lambda l: F.sum(l(IMG) ** 2)),
    'DeformableConvolution2DLazy': (
        lambda: L.DeformableConvolution2D(None, 2, 3, pad=1,
                                          deform_initialW=dbr.initializers.LeCunNormal()),
        lambda l: F.sum(l(IMG) ** 2)),
    'CRF1d': (lambda: L.CRF1d(3),
              lambda l: l(SEQ, [numpy.array([0, 1, 2], 'i'), numpy.array([1], 'i'),
                                numpy.array([2, 0], 'i')], transpose=True)),
}


def test_every_exported_link_is_covered():
    covered = {name.replace('Lazy', '') for name in CASES}
    others = {'Convolution1D', 'Convolution3D', 'Deconvolution1D', 'Deconvolution3D',
              'StatefulGRU', 'NStepBiLSTM', 'NStepGRU', 'NStepBiRNNReLU', 'NStepBiRNNTanh',
              'NStepRNNTanh'}   # thin variants of covered classes
    # pretrained vision models: too heavy for a resume test; covered (npz round trip through
    # pretrained_model=path) by tests/links/test_resnet_layers.py
    others |= {'ResNet50Layers', 'ResNet101Layers', 'ResNet152Layers'}
    # likewise covered by tests/links/test_vgg_googlenet.py
    others |= {'VGG16Layers', 'VGG19Layers', 'GoogLeNet'}
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
