import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import testing

LINKS = [(L.NStepLSTM, F.n_step_lstm, 8, 1), (L.NStepBiLSTM, F.n_step_bilstm, 8, 2),
         (L.NStepGRU, F.n_step_gru, 6, 1), (L.NStepBiGRU, F.n_step_bigru, 6, 2),
         (L.NStepRNNTanh, F.n_step_rnn, 2, 1), (L.NStepRNNReLU, F.n_step_rnn, 2, 1),
         (L.NStepBiRNNTanh, F.n_step_birnn, 2, 2), (L.NStepBiRNNReLU, F.n_step_birnn, 2, 2)]


def _xs(lengths, size=3, dtype=numpy.float32):
    return [numpy.random.randn(n, size).astype(dtype) for n in lengths]


def _run(link, xs, hx=None, cx=None):
    if link.n_weights == 8:
        return link(hx, cx, xs)
    hy, ys = link(hx, xs)
    return hy, None, ys


@pytest.mark.parametrize('cls, func, n_w, dirs', LINKS)
def test_parameters_layout_and_forward_equals_the_function(cls, func, n_w, dirs):
    link = cls(2, 3, 4, 0.0)
    assert len(link) == 2 * dirs and link.n_weights == n_w and link.direction == dirs
    names = [p for p, _ in link.namedparams()]
    assert names[:2] == ['/0/w0', '/0/b0'] and len(names) == 2 * n_w * 2 * dirs
    assert link[0].w0.shape == (4, 3)
    assert getattr(link[0], f'w{n_w - 1}').shape == (4, 4)
    assert link[dirs].w0.shape == (4, 4 * dirs)
    xs = _xs([2, 5, 1])
    hy, cy, ys = _run(link, xs)
    args = [2, 0.0, None] + ([None] if n_w == 8 else []) + [link.ws, link.bs, xs]
    kwargs = {'activation': link.activation} if link.activation else {}
    expected = func(*args, **kwargs)
    testing.assert_allclose(hy.array, expected[0].array, atol=0, rtol=0)
    for y, e in zip(ys, expected[-1]):
        testing.assert_allclose(y.array, e.array, atol=0, rtol=0)
    assert hy.shape == (2 * dirs, 3, 4) and ys[1].shape == (5, 4 * dirs)
    if n_w == 8:
        assert cy.shape == hy.shape


def test_default_initializers_and_custom_ones():
    numpy.random.seed(0)
    link = L.NStepLSTM(1, 200, 300, 0.0)
    w = link[0].w0.array
    assert w.dtype == numpy.float32
    assert float(w.std()) == pytest.approx(numpy.sqrt(1 / 200), rel=0.05)   # LeCunNormal
    assert (link[0].b3.array == 0).all()
    custom = L.NStepGRU(1, 3, 2, 0.0, initialW=0.5, initial_bias=dbr.initializers.One())
    assert (custom[0].w4.array == 0.5).all() and (custom[0].b0.array == 1).all()


def test_lazy_in_size_initializes_on_first_call():
    link = L.NStepBiLSTM(2, None, 4, 0.0)
    assert link[0].w0.array is None and link[1].w3.array is None
    assert link[0].w4.shape == (4, 4) and link[2].w0.shape == (4, 8)
    opt = dbr.optimizers.SGD(lr=0.1).setup(link)
    hy, cy, ys = link(None, None, _xs([3, 2], size=7))
    assert link.in_size == 7 and link[0].w0.shape == (4, 7) and link[1].w0.shape == (4, 7)
    link.cleargrads()
    F.sum(hy).backward()
    w0 = link[0].w0.array.copy()
    opt.update()
    assert not numpy.array_equal(link[0].w0.array, w0)


def test_explicit_states_and_unsorted_lengths():
    link = L.NStepLSTM(1, 3, 4, 0.0)
    xs = _xs([1, 4, 2])
    hx = numpy.random.randn(1, 3, 4).astype(numpy.float32)
    cx = numpy.random.randn(1, 3, 4).astype(numpy.float32)
    hy, cy, ys = link(hx, cx, xs)
    for i in range(3):
        hyi, cyi, ysi = link(hx[:, i:i + 1], cx[:, i:i + 1], [xs[i]])
        testing.assert_allclose(hy.array[:, i], hyi.array[:, 0], atol=1e-6, rtol=1e-5)
        testing.assert_allclose(cy.array[:, i], cyi.array[:, 0], atol=1e-6, rtol=1e-5)
        testing.assert_allclose(ys[i].array, ysi[0].array, atol=1e-6, rtol=1e-5)


def test_language_model_training_reduces_the_loss():
    numpy.random.seed(1)

    class LM(dbr.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.rnn = L.NStepLSTM(2, 8, 16, 0.0)
                self.W = dbr.Parameter(dbr.initializers.LeCunNormal(), (5, 16))

        def forward(self, xs, ts):
            _, _, ys = self.rnn(None, None, xs)
            logits = F.matmul(F.concat(ys, axis=0), self.W, transb=True)
            return F.softmax_cross_entropy(logits, numpy.concatenate(ts))

    model = LM()
    opt = dbr.optimizers.SGD(lr=1.0).setup(model)
    emb = numpy.random.randn(5, 8).astype(numpy.float32)
    seqs = [numpy.random.randint(0, 5, n) for n in (6, 3, 8, 5)]
    xs = [emb[s[:-1]] for s in seqs]
    ts = [s[1:] for s in seqs]
    first = float(model(xs, ts).array)
    for _ in range(150):
        opt.update(model, xs, ts)
    assert float(model(xs, ts).array) < 0.5 * first


def test_serialization_round_trip(tmp_path):
    a = L.NStepBiGRU(2, 3, 4, 0.2)
    dbr.serializers.save_npz(tmp_path / 'rnn.npz', a)
    b = L.NStepBiGRU(2, None, 4, 0.2)
    dbr.serializers.load_npz(tmp_path / 'rnn.npz', b)
    for (pa, va), (pb, vb) in zip(a.namedparams(), b.namedparams()):
        assert pa == pb
        testing.assert_allclose(va.array, vb.array, atol=0, rtol=0)
    xs = _xs([2, 3])
    with dbr.using_config('train', False):
        testing.assert_allclose(a(None, xs)[0].array, b(None, xs)[0].array, atol=0, rtol=0)


def test_init_hx_and_repr():
    link = L.NStepBiRNNTanh(3, 2, 5, 0.0)
    hx = link.init_hx(_xs([1, 2]))
    assert hx.shape == (6, 2, 5) and not hx.requires_grad and (hx.array == 0).all()
    assert repr(link) == 'NStepBiRNNTanh(n_layers=3, in_size=2, out_size=5, dropout=0.0)'


def test_errors():
    with pytest.raises(ValueError, match='NStepLSTM: n_layers must be a positive int'):
        L.NStepLSTM(0, 3, 4, 0.0)
    with pytest.raises(ValueError, match=r'NStepGRU: dropout must be in \[0, 1\)'):
        L.NStepGRU(1, 3, 4, 1.5)
    link = L.NStepLSTM(1, 3, 4, 0.0)
    with pytest.raises(dbr.type_check.InvalidType, match=r'n_step_lstm: expected ws\[0\]\[0\]'
                                                         r'.shape == \(4, 6\)'):
        link(None, None, _xs([2], size=6))
    with pytest.raises(TypeError, match='xs must be a list of 2-D sequences'):
        link(None, None, numpy.zeros((2, 3), numpy.float32))


@pytest.mark.gpu
def test_to_gpu_runs_and_matches_cpu():
    link = L.NStepBiLSTM(2, 3, 4, 0.0)
    xs = _xs([3, 1, 2])
    hy_cpu = link(None, None, xs)[0].array
    link.to_gpu()
    import cupy
    hy = link(None, None, [cupy.asarray(x) for x in xs])[0]
    testing.assert_allclose(hy.array, hy_cpu, atol=1e-5, rtol=1e-4)
