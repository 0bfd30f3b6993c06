import io
import os
import zipfile

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import serializers, testing


class Affine(dbr.Link):
    def __init__(self, n_in, n_out):
        super().__init__()
        with self.init_scope():
            self.W = dbr.Parameter(numpy.random.randn(n_out, n_in).astype(numpy.float32))
            self.b = dbr.Parameter(numpy.zeros(n_out, numpy.float32))
        self.add_persistent('steps', 0)
        self.add_persistent('stat', numpy.zeros(n_out, numpy.float32))

    def forward(self, x):
        return F.matmul(x, self.W, transb=True) + self.b


class Net(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = Affine(3, 4)
            self.l2 = Affine(4, 2)

    def forward(self, x):
        return self.l2(F.tanh(self.l1(x)))


def _same(a, b):
    for (pa, xa), (pb, xb) in zip(a.namedparams(), b.namedparams()):
        assert pa == pb
        testing.assert_allclose(xa.array, xb.array, atol=0, rtol=0)


def test_round_trip_link(tmp_path):
    a = Net()
    a.l1.steps = 3
    a.l2.stat[...] = 1.5
    path = tmp_path / 'model.npz'
    serializers.save_npz(path, a)
    b = Net()
    serializers.load_npz(path, b)
    _same(a, b)
    assert b.l1.steps == 3 and isinstance(b.l1.steps, int)
    testing.assert_allclose(b.l2.stat, numpy.full(2, 1.5))
    with numpy.load(path) as f:
        assert sorted(f.files) == ['l1/W', 'l1/b', 'l1/stat', 'l1/steps',
                                   'l2/W', 'l2/b', 'l2/stat', 'l2/steps']


def test_uncompressed_and_file_objects():
    a = Net()
    buf = io.BytesIO()
    serializers.save_npz(buf, a, compression=False)
    buf.seek(0)
    b = Net()
    serializers.load_npz(buf, b)
    _same(a, b)


def test_lazy_parameter_is_initialized_on_load(tmp_path):
    src = dbr.Link()
    with src.init_scope():
        src.W = dbr.Parameter(numpy.arange(6.0).reshape(2, 3))
    serializers.save_npz(tmp_path / 'p.npz', src)
    dst = dbr.Link()
    with dst.init_scope():
        dst.W = dbr.Parameter(dbr.initializers.Zero('float64'))
    serializers.load_npz(tmp_path / 'p.npz', dst)
    testing.assert_allclose(dst.W.array, src.W.array)


def test_uninitialized_parameter_saves_and_loads_as_uninitialized(tmp_path):
    src = dbr.Link()
    with src.init_scope():
        src.W = dbr.Parameter()
    serializers.save_npz(tmp_path / 'u.npz', src)
    dst = dbr.Link()
    with dst.init_scope():
        dst.W = dbr.Parameter()
    serializers.load_npz(tmp_path / 'u.npz', dst)
    assert dst.W.array is None


def test_optimizer_round_trip_continues_identically(tmp_path):
    x = numpy.random.randn(5, 3).astype(numpy.float32)

    def train(model, opt, n):
        for _ in range(n):
            opt.update(lambda: F.sum(model(x) ** 2))

    ref = Net()
    start = ref.copy('copy')
    ref_opt = dbr.optimizers.SGD(lr=0.05).setup(ref)
    train(ref, ref_opt, 6)

    a = start.copy('copy')
    opt_a = dbr.optimizers.SGD(lr=0.05).setup(a)
    train(a, opt_a, 3)
    serializers.save_npz(tmp_path / 'm.npz', a)
    serializers.save_npz(tmp_path / 'o.npz', opt_a)
    b = Net()
    opt_b = dbr.optimizers.SGD(lr=999.0).setup(b)
    serializers.load_npz(tmp_path / 'm.npz', b)
    serializers.load_npz(tmp_path / 'o.npz', opt_b)
    assert opt_b.t == 3 and opt_b.lr == 0.05 and b.l1.W.update_rule.t == 3
    train(b, opt_b, 3)
    _same(ref, b)


def test_missing_key_raises_naming_it(tmp_path):
    src = dbr.Link()
    with src.init_scope():
        src.W = dbr.Parameter(numpy.zeros(2))
    serializers.save_npz(tmp_path / 'a.npz', src)
    dst = dbr.Link()
    with dst.init_scope():
        dst.W = dbr.Parameter(numpy.zeros(2))
        dst.b = dbr.Parameter(numpy.zeros(2))
    with pytest.raises(KeyError, match="load_npz: key 'b' not found in"):
        serializers.load_npz(tmp_path / 'a.npz', dst)


class Half(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = Affine(3, 4)


def test_extra_keys_raise_under_strict_and_pass_otherwise(tmp_path):
    net = Net()
    serializers.save_npz(tmp_path / 'net.npz', net)
    half = Half()
    with pytest.raises(KeyError, match='holds 4 keys that nothing loaded: l2/W, l2/b, l2/stat'):
        serializers.load_npz(tmp_path / 'net.npz', half)
    serializers.load_npz(tmp_path / 'net.npz', half, strict=False)
    testing.assert_allclose(half.l1.W.array, net.l1.W.array)


def test_path_prefix_loads_a_subtree(tmp_path):
    net = Net()
    serializers.save_npz(tmp_path / 'net.npz', net)
    one = Affine(3, 4)
    serializers.load_npz(tmp_path / 'net.npz', one, path='l1/')
    testing.assert_allclose(one.W.array, net.l1.W.array)


def test_shape_and_dtype_mismatch_name_key_and_shapes(tmp_path):
    serializers.save_npz(tmp_path / 'a.npz', Affine(3, 4))
    with pytest.raises(ValueError, match=r"'W' has shape \(4, 3\) in .*target has shape \(4, 5\)"):
        serializers.load_npz(tmp_path / 'a.npz', Affine(5, 4))
    other = Affine(3, 4)
    other.W.array = other.W.array.astype(numpy.float64)
    with pytest.raises(ValueError, match="'W' has dtype float32 .*target has dtype float64"):
        serializers.load_npz(tmp_path / 'a.npz', other)


def test_ignore_names(tmp_path):
    serializers.save_npz(tmp_path / 'a.npz', Affine(3, 4))
    dst = Affine(3, 4)
    w0 = dst.W.array.copy()
    serializers.load_npz(tmp_path / 'a.npz', dst, ignore_names=['W'])
    testing.assert_allclose(dst.W.array, w0, atol=0, rtol=0)
    serializers.load_npz(tmp_path / 'a.npz', dst, ignore_names=lambda k: k == 'b')
    assert not numpy.array_equal(dst.W.array, w0)


def test_missing_file_and_corrupt_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="load_npz: no such file"):
        serializers.load_npz(tmp_path / 'nope.npz', Affine(1, 1))
    bad = tmp_path / 'bad.npz'
    bad.write_bytes(b'this is not a zip archive at all')
    with pytest.raises(ValueError, match='not a readable npz checkpoint'):
        serializers.load_npz(bad, Affine(1, 1))
    good = tmp_path / 'good.npz'
    serializers.save_npz(good, Affine(3, 4))
    truncated = tmp_path / 'truncated.npz'
    truncated.write_bytes(good.read_bytes()[:-40])
    with pytest.raises(ValueError, match='not a readable npz checkpoint|is corrupt'):
        serializers.load_npz(truncated, Affine(3, 4))


def test_pickled_content_is_refused(tmp_path):
    path = tmp_path / 'evil.npz'
    numpy.savez(path, W=numpy.array([object()], dtype=object))
    link = dbr.Link()
    with link.init_scope():
        link.W = dbr.Parameter(numpy.zeros(1))
    with pytest.raises(ValueError, match='cannot be loaded without unpickling'):
        serializers.load_npz(path, link)


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / 'ckpt.npz'
    serializers.save_npz(path, Affine(3, 4))
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise RuntimeError('disk full')

    monkeypatch.setattr(numpy, 'savez_compressed', crash)
    with pytest.raises(RuntimeError, match='disk full'):
        serializers.save_npz(path, Affine(3, 4))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ['ckpt.npz']
    assert zipfile.is_zipfile(path)


def test_dictionary_serializer_and_npz_deserializer_directly():
    s = serializers.DictionarySerializer()
    net = Net()
    s.save(net)
    assert set(s.target) >= {'l1/W', 'l2/b'}
    other = Net()
    serializers.NpzDeserializer(s.target).load(other)
    _same(net, other)


def test_python_scalars_keep_the_saved_type(tmp_path):
    link = dbr.Link()
    with link.init_scope():
        link.W = dbr.Parameter(numpy.zeros(2))
    saved = dbr.optimizers.SGD(lr=0.05).setup(link)
    serializers.save_npz(tmp_path / 'o.npz', saved)
    fresh = dbr.optimizers.SGD(lr=1).setup(link)
    serializers.load_npz(tmp_path / 'o.npz', fresh)
    assert fresh.lr == 0.05
    assert link.W.update_rule.state is None   # a stateless rule stays without state


def test_optimizer_state_of_a_lazy_parameter_loads_before_the_model_is_sized(tmp_path):
    def make():
        link = dbr.Link()
        with link.init_scope():
            link.W = dbr.Parameter(dbr.initializers.One())

        def loss():
            if link.W.array is None:
                link.W.initialize((2, 3))
            return F.sum(link.W * link.W)
        return link, dbr.optimizers.Adam().setup(link), loss

    a, opt_a, loss_a = make()
    opt_a.update(loss_a)
    serializers.save_npz(tmp_path / 'o.npz', opt_a)
    serializers.save_npz(tmp_path / 'm.npz', a)
    b, opt_b, loss_b = make()
    serializers.load_npz(tmp_path / 'o.npz', opt_b)   # W not sized yet: state read as saved
    serializers.load_npz(tmp_path / 'm.npz', b)
    opt_a.update(loss_a)
    opt_b.update(loss_b)
    assert numpy.array_equal(a.W.array, b.W.array)
