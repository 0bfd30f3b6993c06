"""dbr.backends.cudnn and the cuDNN RNN path, as far as they run without a GPU.

Library discovery, version checks, error mapping, the (thread, device) handle cache, dropout
descriptors, the weight-space packing and the sequence layout are driven through fakes of the
loader and of libcudnn; the dispatch and validation run on NumPy inputs.
"""
import ctypes
import gc
import json
import os
import pathlib
import subprocess
import sys
import threading
import types

import numpy
import pytest

import dbr
from dbr import gradient_check
from dbr import type_check
from dbr.backends import cudnn
from dbr.functions.rnn import _cudnn_rnn
from dbr.functions.rnn import _n_step

ROOT = pathlib.Path(__file__).resolve().parents[2]
N_W = {'lstm': 8, 'gru': 6, 'rnn': 2}


# ----- a fake libcudnn --------------------------------------------------------------------------
def _out(ref):
    """The ctypes object behind a ``ctypes.byref(...)`` argument."""
    return ref._obj


class FakeLib:
    """Stands in for the CDLL of libcudnn.so.9: every function of SIGNATURES, recording calls.

    Functions return 0 unless ``impls`` gives a body; names in ``missing`` do not exist.
    """

    def __init__(self, missing=(), version=92800, **impls):
        self.calls = []
        self.next_id = 0x1000
        self.tensor_dims = {}
        defaults = {
            'cudnnGetVersion': lambda: version,
            'cudnnGetErrorString': lambda status: f'CUDNN_STATUS_{status}'.encode(),
            'cudnnGetLastErrorString': lambda buf, n: None,
        }
        for name in cudnn.SIGNATURES:
            if name in missing:
                continue
            body = impls.get(name) or defaults.get(name)
            if body is None and name.startswith('cudnnCreate'):
                body = self._create
            if body is None:
                body = self._ok
            setattr(self, name, self._record(name, body))

    def _record(self, name, body):
        def fn(*args):
            self.calls.append((name, args))
            return body(*args)
        fn.__name__ = name
        return fn

    def _ok(self, *args):
        return 0

    def _create(self, ref):
        self.next_id += 1
        _out(ref).value = self.next_id
        return 0

    def names(self):
        return [name for name, _ in self.calls]


def fake_library(fake=None, path='/fake/libcudnn.so.9', source='test'):
    return cudnn.Library(fake if fake is not None else FakeLib(), path, source)


@pytest.fixture
def loader(monkeypatch):
    """Replaces every discovery primitive; ``loader.accept`` lists the loadable names."""
    state = types.SimpleNamespace(accept={}, opened=[], maps=[], pathfinder=None, dirs=[])

    def dlopen(name, mode):
        state.opened.append((name, mode))
        if name in state.accept:
            return state.accept[name]
        raise OSError(f'{name}: cannot open shared object file')

    monkeypatch.setattr(cudnn, '_dlopen', dlopen)
    monkeypatch.setattr(cudnn, '_loaded_paths', lambda: list(state.maps))
    monkeypatch.setattr(cudnn, '_import_pathfinder', lambda: state.pathfinder)
    monkeypatch.setattr(cudnn, '_nvidia_cudnn_dirs', lambda: list(state.dirs))
    return state


# ----- discovery --------------------------------------------------------------------------------
def test_load_prefers_the_copy_already_in_the_process(loader):
    path = '/site/torch/lib/libcudnn.so.9.28.0'
    loader.maps = [path]
    loader.accept = {path: FakeLib(), cudnn.SONAME: FakeLib()}
    lib = cudnn.load()
    assert (lib.source, lib.path) == ('already loaded', path)
    name, mode = loader.opened[0]
    assert name == path and mode & os.RTLD_NOLOAD and mode & os.RTLD_GLOBAL


def test_load_uses_cuda_pathfinder_next(loader):
    asked = []

    def load_nvidia_dynamic_lib(name):
        asked.append(name)
        return types.SimpleNamespace(abs_path='/pf/nvidia/cudnn/lib/libcudnn.so.9')

    loader.pathfinder = types.SimpleNamespace(load_nvidia_dynamic_lib=load_nvidia_dynamic_lib)
    loader.accept = {'/pf/nvidia/cudnn/lib/libcudnn.so.9': FakeLib()}
    lib = cudnn.load()
    assert asked == ['cudnn']
    assert (lib.source, lib.path) == ('cuda.pathfinder', '/pf/nvidia/cudnn/lib/libcudnn.so.9')


def test_load_falls_back_to_the_nvidia_package_dir(loader, tmp_path):
    def old_catalog(name):
        raise KeyError(name)   # cuda-pathfinder releases without a cudnn entry

    loader.pathfinder = types.SimpleNamespace(load_nvidia_dynamic_lib=old_catalog)
    missing = tmp_path / 'other'
    (tmp_path / 'cudnn' / 'lib').mkdir(parents=True)
    lib_path = tmp_path / 'cudnn' / 'lib' / cudnn.SONAME
    lib_path.write_bytes(b'')
    loader.dirs = [str(missing), str(tmp_path / 'cudnn')]
    loader.accept = {str(lib_path): FakeLib()}
    lib = cudnn.load()
    assert (lib.source, lib.path) == ('nvidia.cudnn package', str(lib_path))


def test_load_ends_with_the_system_loader(loader):
    loader.accept = {cudnn.SONAME: FakeLib()}
    lib = cudnn.load()
    assert lib.source == 'system loader'
    assert [name for name, _ in loader.opened] == [cudnn.SONAME]


def test_load_without_any_cudnn_says_what_was_tried(loader):
    with pytest.raises(cudnn.CuDNNUnavailableError) as info:
        cudnn.load()
    message = str(info.value)
    for part in ('already loaded: libcudnn.so.9 is not loaded',
                 'cuda.pathfinder: cuda.pathfinder is not installed',
                 'nvidia.cudnn package: the nvidia-cudnn-cu13 package is not installed',
                 'system loader: libcudnn.so.9: cannot open shared object file',
                 'pip install nvidia-cudnn-cu13'):
        assert part in message


def test_symbols_missing_from_the_shim_come_from_the_adv_library(loader, tmp_path):
    rnn_names = [n for n in cudnn.SIGNATURES if 'RNN' in n or n == 'cudnnAdvVersionCheck']
    main_path = tmp_path / cudnn.SONAME
    adv_path = tmp_path / cudnn.ADV_SONAME
    adv_path.write_bytes(b'')
    adv = FakeLib()
    loader.accept = {str(adv_path): adv}
    lib = cudnn.Library(FakeLib(missing=rnn_names), str(main_path), 'test')
    lib.cudnnRNNForward(*[None] * 20)
    assert adv.names()[-1] == 'cudnnRNNForward'
    assert loader.opened == [(str(adv_path), os.RTLD_NOW | os.RTLD_GLOBAL)]


def test_a_library_without_the_rnn_api_is_rejected(loader):
    with pytest.raises(cudnn.CuDNNUnavailableError, match='has no cudnnRNNForward; is it cuDNN 9'):
        fake_library(FakeLib(missing=['cudnnRNNForward']))


def test_get_library_remembers_a_failure(loader, monkeypatch):
    monkeypatch.setattr(cudnn, '_loaded', None)
    for _ in range(2):
        with pytest.raises(cudnn.CuDNNUnavailableError, match='not found'):
            cudnn.get_library()
    assert [name for name, _ in loader.opened] == [cudnn.SONAME]


def test_available_is_false_here_and_never_raises(loader, monkeypatch):
    monkeypatch.setattr(cudnn, '_loaded', None)
    assert cudnn.available() is False                         # no CuPy on this machine
    assert 'no CUDA device' in cudnn.unavailable_reason()
    monkeypatch.setattr(cudnn, '_gpu_available', lambda: True)
    assert cudnn.available() is False
    assert 'libcudnn.so.9 not found' in cudnn.unavailable_reason()

    def broken():
        raise ZeroDivisionError('unexpected')

    monkeypatch.setattr(cudnn, '_gpu_available', broken)
    assert cudnn.available() is False
    assert cudnn.unavailable_reason() == 'unexpected'


def test_loaded_paths_reads_proc_maps():
    # Only structure can be checked here: nothing named libcudnn is mapped into this process.
    assert cudnn._loaded_paths() == []


# ----- version and errors -----------------------------------------------------------------------
@pytest.mark.parametrize('version, text', [(92800, '9.28.0'), (90000, '9.0.0'), (8907, '8.9.7')])
def test_format_version(version, text):
    assert cudnn.format_version(version) == text


def test_too_old_cudnn_is_rejected():
    with pytest.raises(cudnn.CuDNNUnavailableError,
                       match=r'cuDNN 8\.9\.7 found at /fake/libcudnn.so.9 \(via test\); dbr '
                             r'needs cuDNN >= 9\.0\.0'):
        fake_library(FakeLib(version=8907))


def test_failed_adv_version_check_is_reported():
    fake = FakeLib(cudnnAdvVersionCheck=lambda: 1008)
    with pytest.raises(cudnn.CuDNNUnavailableError,
                       match='RNN sub-library .* cudnnAdvVersionCheck failed: CUDNN_STATUS_1008'):
        fake_library(fake)


def test_nonzero_status_raises_cudnn_error_with_cudnn_text():
    def last_error(buf, n):
        buf.value = b'stream handle is invalid'

    fake = FakeLib(cudnnSetStream=lambda h, s: 2000,
                   cudnnGetErrorString=lambda st: b'CUDNN_STATUS_BAD_PARAM',
                   cudnnGetLastErrorString=last_error)
    lib = fake_library(fake)
    with pytest.raises(cudnn.CuDNNError) as info:
        lib.cudnnSetStream(1, 2)
    e = info.value
    assert (e.function, e.status) == ('cudnnSetStream', 2000)
    assert str(e) == ('cudnnSetStream failed: CUDNN_STATUS_BAD_PARAM (cuDNN status 2000): '
                      'stream handle is invalid')
    assert isinstance(e, RuntimeError)


def test_error_without_last_error_string():
    lib = fake_library(FakeLib(missing=['cudnnGetLastErrorString'],
                               cudnnDestroy=lambda h: 3000))
    with pytest.raises(cudnn.CuDNNError,
                       match=r'^cudnnDestroy failed: CUDNN_STATUS_3000 \(cuDNN status 3000\)$'):
        lib.cudnnDestroy(5)


def test_every_function_is_declared():
    fake = FakeLib()
    lib = fake_library(fake)
    for name, (restype, argtypes) in cudnn.SIGNATURES.items():
        fn = getattr(fake, name)
        assert fn.restype is restype and fn.argtypes == argtypes, name
        wrapped = getattr(lib, name)
        assert isinstance(wrapped, cudnn._Checked) == (restype is ctypes.c_int), name
    # Device pointers and sizes are never passed as 32-bit C ints.
    assert cudnn.SIGNATURES['cudnnRNNForward'][1][14] is ctypes.c_size_t
    assert cudnn.SIGNATURES['cudnnSetDropoutDescriptor'][1][5] is ctypes.c_ulonglong


# ----- handles, descriptors, dropout states -----------------------------------------------------
@pytest.fixture
def fake_gpu(monkeypatch):
    """A fake library and device/stream providers; ``env.device`` is per thread."""
    fake = FakeLib()
    lib = fake_library(fake)
    local = threading.local()
    env = types.SimpleNamespace(fake=fake, lib=lib, local=local, stream=[100], destroyed=[])
    monkeypatch.setattr(cudnn, 'get_library', lambda: lib)
    monkeypatch.setattr(cudnn, '_current_device_id', lambda: getattr(local, 'device', 0))
    monkeypatch.setattr(cudnn, '_current_stream_ptr', lambda: env.stream[0])
    monkeypatch.setattr(cudnn, '_using_device', lambda d: env.destroyed.append(d) or
                        _NullContext())
    monkeypatch.setattr(cudnn._tls, 'devices', {})
    monkeypatch.setattr(cudnn, '_draw_seed', lambda: 7)
    return env


class _NullContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_one_handle_per_thread_and_device_set_to_the_current_stream(fake_gpu):
    fake = fake_gpu.fake
    a = cudnn.device_state()
    fake_gpu.stream[0] = 200
    b = cudnn.device_state()
    assert a is b and fake.names().count('cudnnCreate') == 1
    assert [args for name, args in fake.calls if name == 'cudnnSetStream'] == [
        (a.handle, 100), (a.handle, 200)]
    fake_gpu.local.device = 1
    c = cudnn.device_state()
    assert c.device_id == 1 and c.handle != a.handle
    other = {}

    def worker():
        fake_gpu.local.device = 1
        other['state'] = cudnn.device_state()
        other['handle'] = other['state'].handle
        del other['state']

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    gc.collect()
    assert other['handle'] not in (a.handle, c.handle)
    assert fake.names().count('cudnnCreate') == 3
    # The thread's state died with it: its handle was destroyed on its own device.
    assert [args for name, args in fake.calls if name == 'cudnnDestroy'] == [(other['handle'],)]
    assert fake_gpu.destroyed == [1]
    assert cudnn.device_state() is c


def test_descriptors_are_created_set_and_destroyed(fake_gpu):
    fake = fake_gpu.fake
    desc = cudnn.tensor_descriptor(fake_gpu.lib, cudnn.DATA_FLOAT, (4, 3, 5))
    name, (d, data_type, n, dims, strides) = fake.calls[-1]
    assert name == 'cudnnSetTensorNdDescriptor' and d is desc
    assert (data_type, n, list(dims), list(strides)) == (cudnn.DATA_FLOAT, 3, [4, 3, 5],
                                                         [15, 5, 1])
    value = desc._as_parameter_
    fake.calls.clear()                   # the record holds the descriptor; ctypes would not
    del desc, d
    gc.collect()
    assert ('cudnnDestroyTensorDescriptor', (value,)) in fake.calls


def test_dropout_states_are_initialized_once_and_restored_after(fake_gpu, monkeypatch):
    fake = FakeLib(cudnnDropoutGetStatesSize=lambda h, ref: setattr(_out(ref), 'value', 4096)
                   or 0)
    lib = fake_library(fake)
    monkeypatch.setattr(cudnn, 'get_library', lambda: lib)
    buffers = []
    monkeypatch.setattr(cudnn, 'alloc_bytes', lambda n: buffers.append(n) or ('buffer', n))
    monkeypatch.setattr(cudnn, 'data_ptr', lambda b: None if b is None else 0xABC000)
    monkeypatch.setattr(cudnn, '_draw_seed', lambda: 1234)
    state = cudnn.device_state()
    d1 = cudnn.dropout_descriptor(state, 0.5)
    assert cudnn.dropout_descriptor(state, 0.5) is d1
    d2 = cudnn.dropout_descriptor(state, 0.25)
    d0 = cudnn.dropout_descriptor(state, 0.0)
    assert len({id(d0), id(d1), id(d2)}) == 3 and buffers == [4096]
    calls = [(n, a) for n, a in fake.calls if 'Dropout' in n and 'Create' not in n]
    h = state.handle
    assert calls == [
        ('cudnnDropoutGetStatesSize', calls[0][1]),
        ('cudnnSetDropoutDescriptor', (d1, h, 0.5, 0xABC000, 4096, 1234)),
        ('cudnnRestoreDropoutDescriptor', (d2, h, 0.25, 0xABC000, 4096, 1234)),
        ('cudnnSetDropoutDescriptor', (d0, h, 0.0, None, 0, 0)),
    ]


# ----- weight space: a fake cudnnGetRNNWeightParams with a scrambled layout ----------------------
class WeightOracle:
    """A fake cuDNN weight space: every matrix and bias at a shuffled offset, with gaps.

    ``table[(k, q, kind)] = (byte offset, shape)``; kind 'w' or 'b'.
    """

    def __init__(self, mode, n_layers, n_dirs, in_size, hidden, itemsize, seed=0, base=0x7f000000):
        rng = numpy.random.RandomState(seed)
        self.n_w = n_w = N_W[mode]
        self.shapes = {}
        for k in range(n_layers * n_dirs):
            n_in = in_size if k < n_dirs else hidden * n_dirs
            for q in range(n_w):
                self.shapes[k, q, 'w'] = (hidden, n_in if q < n_w // 2 else hidden)
                self.shapes[k, q, 'b'] = (hidden,)
        keys = list(self.shapes)
        rng.shuffle(keys)
        self.table = {}
        cursor = int(rng.randint(0, 3))
        for key in keys:
            self.table[key] = (cursor * itemsize, self.shapes[key])
            cursor += int(numpy.prod(self.shapes[key])) + int(rng.randint(0, 3))
        self.size_bytes = (cursor + 2) * itemsize
        self.itemsize = itemsize
        self.base = base
        self.transpose = False
        self.overrides = {}

    def fake(self):
        dims_of = {}

        def params(handle, desc, k, size, base, q, m_desc, m_ref, b_desc, b_ref):
            assert (size, base) == (self.size_bytes, self.base)
            for kind, d, ref in (('w', m_desc, m_ref), ('b', b_desc, b_ref)):
                off, shape = self.overrides.get((k, q, kind), self.table[k, q, kind])
                _out(ref).value = None if off is None else base + off
                dims = (1,) + (shape[::-1] if self.transpose and kind == 'w' else shape)
                dims = dims if kind == 'w' else (1, shape[0], 1)
                dims_of[d._as_parameter_] = dims
            return 0

        def nd(desc, requested, dtype_ref, nb_ref, dims, strides):
            got = dims_of[desc._as_parameter_]
            _out(nb_ref).value = len(got)
            stride = 1
            for i in reversed(range(len(got))):
                dims[i], strides[i] = got[i], stride
                stride *= got[i]
            return 0

        return FakeLib(cudnnGetRNNWeightParams=params, cudnnGetTensorNdDescriptor=nd)

    def query(self, lib, n_pseudo, hidden):
        w_shapes = [self.shapes[k, q, 'w'] for k in range(n_pseudo) for q in range(self.n_w)]
        return _cudnn_rnn.query_weight_layout(lib, 7, 8, n_pseudo, self.n_w, w_shapes, hidden,
                                              self.itemsize, self.size_bytes, self.base)


def _chainer_weights(oracle, n_pseudo, dtype, rng):
    ws = [rng.randn(*oracle.shapes[k, q, 'w']).astype(dtype)
          for k in range(n_pseudo) for q in range(oracle.n_w)]
    bs = [rng.randn(*oracle.shapes[k, q, 'b']).astype(dtype)
          for k in range(n_pseudo) for q in range(oracle.n_w)]
    return ws, bs


@pytest.mark.parametrize('mode, n_layers, n_dirs', [
    ('lstm', 1, 1), ('lstm', 3, 2), ('gru', 2, 1), ('gru', 2, 2), ('rnn', 3, 1), ('rnn', 1, 2)])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_pack_and_unpack_follow_the_queried_offsets(mode, n_layers, n_dirs, dtype):
    in_size, hidden = 5, 3
    itemsize = numpy.dtype(dtype).itemsize
    oracle = WeightOracle(mode, n_layers, n_dirs, in_size, hidden, itemsize)
    n_pseudo = n_layers * n_dirs
    layout = oracle.query(fake_library(oracle.fake()), n_pseudo, hidden)
    rng = numpy.random.RandomState(1)
    ws, bs = _chainer_weights(oracle, n_pseudo, dtype, rng)
    space = layout.pack(numpy, ws + bs)
    assert space.dtype == dtype and space.nbytes == oracle.size_bytes
    # Independently of the layout object: each array sits where the oracle said, rest is zero.
    covered = numpy.zeros(space.size, bool)
    keys = [(k, q, kind) for kind in 'wb' for k in range(n_pseudo) for q in range(oracle.n_w)]
    for key, a in zip(keys, ws + bs):
        off = oracle.table[key][0] // itemsize
        numpy.testing.assert_array_equal(space[off:off + a.size], a.ravel())
        covered[off:off + a.size] = True
    assert not space[~covered].any()
    back = layout.unpack(space)
    for a, b in zip(ws + bs, back):
        numpy.testing.assert_array_equal(a, b)
        assert numpy.shares_memory(b, space)
    # Gradients written by "cuDNN" at the oracle's offsets come back in Chainer's order.
    grads_w, grads_b = _chainer_weights(oracle, n_pseudo, dtype, rng)
    dw = numpy.zeros(space.size, dtype)
    for key, g in zip(keys, grads_w + grads_b):
        off = oracle.table[key][0] // itemsize
        dw[off:off + g.size] = g.ravel()
    for g, got in zip(grads_w + grads_b, layout.unpack(dw)):
        numpy.testing.assert_array_equal(g, got)


def test_pack_copies_non_contiguous_weights():
    oracle = WeightOracle('rnn', 1, 1, 3, 3, 8)
    layout = oracle.query(fake_library(oracle.fake()), 1, 3)
    w0 = numpy.arange(9.0).reshape(3, 3).T           # transposed view
    arrays = [w0, numpy.ones((3, 3)), numpy.full(3, 2.0), numpy.full(3, 3.0)]
    for a, b in zip(arrays, layout.unpack(layout.pack(numpy, arrays))):
        numpy.testing.assert_array_equal(a, b)


def test_weight_layout_rejects_bad_answers():
    oracle = WeightOracle('lstm', 1, 1, 4, 2, 4)
    lib = fake_library(oracle.fake())
    oracle.overrides[0, 3, 'b'] = (None, (2,))
    with pytest.raises(RuntimeError, match='no address for the bias of pseudo-layer 0, linear '
                                           'layer 3'):
        oracle.query(lib, 1, 2)
    oracle.overrides = {(0, 1, 'w'): (oracle.table[0, 0, 'w'][0] + 4, (2, 4))}
    with pytest.raises(RuntimeError, match='overlaps'):
        oracle.query(lib, 1, 2)
    oracle.overrides = {(0, 1, 'w'): (oracle.size_bytes - 4, (2, 4))}
    with pytest.raises(RuntimeError, match=f'offset {oracle.size_bytes - 4}, not inside the '
                                           f'{oracle.size_bytes}-byte weight space'):
        oracle.query(lib, 1, 2)
    oracle.overrides = {(0, 1, 'w'): (2, (2, 4))}
    with pytest.raises(RuntimeError, match='at byte offset 2'):
        oracle.query(lib, 1, 2)
    oracle.overrides = {}
    oracle.transpose = True
    with pytest.raises(RuntimeError, match=r'matrix of pseudo-layer 0, linear layer 0 as dims '
                                           r'\(1, 4, 2\).*expected \(2, 4\)'):
        oracle.query(lib, 1, 2)


@pytest.mark.parametrize('mode, activation, dtype, tensor_core, cell, math, prec', [
    ('lstm', 'tanh', numpy.float32, 'auto', cudnn.LSTM, cudnn.FMA_MATH, cudnn.DATA_FLOAT),
    ('lstm', 'tanh', numpy.float32, 'always', cudnn.LSTM, cudnn.DEFAULT_MATH, cudnn.DATA_FLOAT),
    ('gru', 'tanh', numpy.float64, 'always', cudnn.GRU, cudnn.DEFAULT_MATH, cudnn.DATA_DOUBLE),
    ('rnn', 'tanh', numpy.float16, 'auto', cudnn.RNN_TANH, cudnn.TENSOR_OP_MATH, cudnn.DATA_FLOAT),
    ('rnn', 'tanh', numpy.float16, 'never', cudnn.RNN_TANH, cudnn.FMA_MATH, cudnn.DATA_FLOAT),
    ('rnn', 'relu', numpy.float32, 'never', cudnn.RNN_RELU, cudnn.FMA_MATH, cudnn.DATA_FLOAT),
])
@pytest.mark.parametrize('packed', [True, False])
def test_rnn_setup_descriptor_and_cache(fake_gpu, monkeypatch, mode, activation, dtype,
                                        tensor_core, cell, math, prec, packed):
    n_layers, n_dirs, in_size, hidden = 2, 2, 5, 3
    itemsize = numpy.dtype(dtype).itemsize
    oracle = WeightOracle(mode, n_layers, n_dirs, in_size, hidden, itemsize)
    fake = oracle.fake()
    fake.cudnnGetRNNWeightSpaceSize = fake._record(
        'cudnnGetRNNWeightSpaceSize',
        lambda h, d, ref: setattr(_out(ref), 'value', oracle.size_bytes) or 0)
    lib = fake_library(fake)
    monkeypatch.setattr(cudnn, 'get_library', lambda: lib)
    monkeypatch.setattr(cudnn, 'alloc_bytes', lambda n: ('buffer', n))
    monkeypatch.setattr(cudnn, 'data_ptr', lambda b: None if b is None else oracle.base)
    state = cudnn.device_state()
    with dbr.using_config('use_cudnn_tensor_core', tensor_core):
        setup = _cudnn_rnn.get_setup(cudnn, state, mode, activation, n_layers, n_dirs, in_size,
                                     hidden, dtype, 0.0, packed)
        assert _cudnn_rnn.get_setup(cudnn, state, mode, activation, n_layers, n_dirs, in_size,
                                    hidden, dtype, 0.0, packed) is setup
    sets = [a for n, a in fake.calls if n == 'cudnnSetRNNDescriptor_v8']
    assert len(sets) == 1
    data_type = {2: cudnn.DATA_HALF, 4: cudnn.DATA_FLOAT, 8: cudnn.DATA_DOUBLE}[itemsize]
    assert sets[0] == (setup.rnn_desc, cudnn.RNN_ALGO_STANDARD, cell, cudnn.RNN_DOUBLE_BIAS,
                       cudnn.BIDIRECTIONAL, cudnn.LINEAR_INPUT, data_type, prec, math, in_size,
                       hidden, hidden, n_layers, setup.dropout_desc,
                       cudnn.RNN_PADDED_IO_DISABLED if packed else cudnn.RNN_PADDED_IO_ENABLED)
    assert setup.space_bytes == oracle.size_bytes
    assert setup.weights.size * itemsize == oracle.size_bytes
    keys = [(k, q, kind) for kind in 'wb' for k in range(n_layers * n_dirs)
            for q in range(N_W[mode])]
    assert [off for off, _, _ in setup.weights.places] == [oracle.table[key][0] // itemsize
                                                           for key in keys]
    # Another layout, dropout ratio or math type is another configuration.
    for args, level in (((0.0, not packed), tensor_core), ((0.5, packed), tensor_core),
                        ((0.0, packed), 'always'), ((0.0, packed), 'never')):
        with dbr.using_config('use_cudnn_tensor_core', level):
            same_math = _cudnn_rnn._math_type(cudnn, numpy.dtype(dtype)) == math
            other = _cudnn_rnn.get_setup(cudnn, state, mode, activation, n_layers, n_dirs,
                                         in_size, hidden, dtype, *args)
        assert (other is setup) == (same_math and args == (0.0, packed))


# ----- sequence layout --------------------------------------------------------------------------
def _reference_packed_rows(xs):
    """Packed time-major rows, written out with loops: step by step, longest first."""
    order = sorted(range(len(xs)), key=lambda i: -len(xs[i]))   # sorted() is stable
    rows = []
    for t in range(max(len(x) for x in xs)):
        rows += [xs[i][t] for i in order if len(xs[i]) > t]
    return numpy.array(rows), order


def test_packed_layout_sorts_packs_and_maps_back():
    lengths = [3, 1, 5, 5, 2]
    xs = [numpy.random.randn(n, 4) for n in lengths]
    seq = _cudnn_rnn.SeqLayout(lengths, packed=True)
    rows, order = _reference_packed_rows(xs)
    assert seq.order.tolist() == order == [2, 3, 0, 4, 1]
    assert seq.seq_lengths.tolist() == [5, 5, 3, 2, 1] and seq.seq_lengths.dtype == numpy.int32
    assert seq.seq_lengths.flags.c_contiguous
    assert (seq.batch, seq.max_len, seq.n_rows, seq.n_tokens) == (5, 5, 16, 16)
    buf = seq.to_buffer(numpy, numpy.concatenate(xs))
    numpy.testing.assert_array_equal(buf, rows)
    for a, b in zip(xs, seq.split(numpy, seq.from_buffer(numpy, buf))):
        numpy.testing.assert_array_equal(a, b)
    hx = numpy.random.randn(2, 5, 3)
    h_cudnn = seq.to_cudnn_batch(numpy, hx)
    numpy.testing.assert_array_equal(h_cudnn, hx[:, order])
    assert h_cudnn.flags.c_contiguous
    numpy.testing.assert_array_equal(seq.to_caller_batch(numpy, h_cudnn), hx)


def test_unpacked_layout_pads_in_caller_order():
    lengths = [3, 1, 4]
    xs = [numpy.random.randn(n, 2) for n in lengths]
    seq = _cudnn_rnn.SeqLayout(lengths, packed=False)
    assert seq.order is None and seq.seq_lengths.tolist() == lengths
    assert (seq.batch, seq.max_len, seq.n_rows) == (3, 4, 12)
    buf = seq.to_buffer(numpy, numpy.concatenate(xs))
    expected = numpy.zeros((4, 3, 2))
    for i, x in enumerate(xs):
        expected[:len(x), i] = x
    numpy.testing.assert_array_equal(buf, expected.reshape(12, 2))
    for a, b in zip(xs, seq.split(numpy, seq.from_buffer(numpy, buf))):
        numpy.testing.assert_array_equal(a, b)
    hx = numpy.random.randn(1, 3, 2)[:, :, ::-1]
    h = seq.to_cudnn_batch(numpy, hx)
    assert h.flags.c_contiguous
    numpy.testing.assert_array_equal(h, hx)
    assert seq.to_caller_batch(numpy, h) is h


@pytest.mark.parametrize('lengths', [[4, 4, 4], [7], [1], [5, 3, 1]])
def test_already_sorted_batches_are_not_permuted(lengths):
    seq = _cudnn_rnn.SeqLayout(lengths, packed=True)
    assert seq.order is None and seq.inverse is None
    xs = [numpy.random.randn(n, 3) for n in lengths]
    rows, _ = _reference_packed_rows(xs)
    numpy.testing.assert_array_equal(seq.to_buffer(numpy, numpy.concatenate(xs)), rows)
    parts = seq.split(numpy, numpy.concatenate(xs))
    assert [len(p) for p in parts] == lengths


@pytest.mark.parametrize('lengths', [[3, 0, 2], [], [[1, 2]]])
def test_layout_rejects_empty_sequences(lengths):
    with pytest.raises(ValueError, match='length >= 1'):
        _cudnn_rnn.SeqLayout(lengths, packed=True)


# ----- which path -------------------------------------------------------------------------------
def _never_called():
    raise AssertionError('availability must not be looked up here')


@pytest.mark.parametrize('use_cudnn', ['always', 'auto', 'never'])
@pytest.mark.parametrize('on_gpu', [True, False])
@pytest.mark.parametrize('available', [True, False])
def test_dispatch_table(use_cudnn, on_gpu, available):
    reason = (lambda: None) if available else (lambda: 'no libcudnn.so.9 here')
    if not on_gpu or use_cudnn == 'never':
        reason = _never_called
    if use_cudnn == 'always' and on_gpu and not available:
        with pytest.raises(RuntimeError, match="n_step_gru: dbr.config.use_cudnn is 'always' but "
                                               "cuDNN cannot be used: no libcudnn.so.9 here"):
            _cudnn_rnn.use_cudnn_for('n_step_gru', use_cudnn, on_gpu, reason)
        return
    expected = on_gpu and use_cudnn != 'never' and available
    assert _cudnn_rnn.use_cudnn_for('n_step_gru', use_cudnn, on_gpu, reason) is expected


@pytest.mark.parametrize('double_backprop', [True, False])
@pytest.mark.parametrize('dropout', [True, False])
@pytest.mark.parametrize('consumed', [True, False])
def test_backward_path_table(double_backprop, dropout, consumed):
    args = ('n_step_bilstm', double_backprop, dropout, consumed)
    if double_backprop and dropout:
        with pytest.raises(RuntimeError, match="n_step_bilstm: double backprop .* dropout .*"
                                               "'use_cudnn', 'never'"):
            _cudnn_rnn.backward_path(*args)
    elif consumed and dropout:
        with pytest.raises(RuntimeError, match='n_step_bilstm: a second backward .* dropout'):
            _cudnn_rnn.backward_path(*args)
    else:
        expected = 'recompute' if double_backprop else 'refresh' if consumed else 'cudnn'
        assert _cudnn_rnn.backward_path(*args) == expected


def _params(mode, n_layers, n_dirs, in_size, out_size, dtype=numpy.float64):
    n_w = N_W[mode]
    ws, bs = [], []
    for layer in range(n_layers):
        for _ in range(n_dirs):
            n_in = in_size if layer == 0 else out_size * n_dirs
            ws.append([numpy.random.uniform(-0.6, 0.6, (out_size, n_in if q < n_w // 2
                                                        else out_size)).astype(dtype)
                       for q in range(n_w)])
            bs.append([numpy.random.uniform(-0.2, 0.2, out_size).astype(dtype)
                       for _ in range(n_w)])
    return ws, bs


@pytest.mark.parametrize('use_cudnn', ['always', 'auto', 'never'])
def test_numpy_inputs_take_the_array_path_whatever_use_cudnn(monkeypatch, use_cudnn):
    monkeypatch.setattr(_cudnn_rnn, '_cudnn_reason', _never_called)
    ws, bs = _params('lstm', 2, 1, 3, 4)
    xs = [numpy.random.randn(n, 3) for n in (2, 5, 1)]
    with dbr.using_config('use_cudnn', use_cudnn):
        hy, cy, ys = dbr.functions.n_step_lstm(2, 0.0, None, None, ws, bs, xs)
    hy2, cy2, ys2 = _n_step.n_step('lstm', 'n_step_lstm', 2, 0.0, None, None, ws, bs, xs, 1)
    numpy.testing.assert_array_equal(hy.array, hy2.array)
    for a, b in zip(ys, ys2):
        numpy.testing.assert_array_equal(a.array, b.array)


def test_gpu_inputs_with_cudnn_go_to_the_cudnn_path(monkeypatch):
    seen = []
    monkeypatch.setattr(_cudnn_rnn, '_cudnn_reason', lambda: None)
    monkeypatch.setattr(_cudnn_rnn, 'backend',
                        types.SimpleNamespace(get_array_module=lambda *a: 'cupy-like'))
    monkeypatch.setattr(_cudnn_rnn, 'cudnn_n_step', lambda *a: seen.append(a) or 'cudnn')
    ws, bs = _params('gru', 1, 2, 3, 2)
    xs = [numpy.zeros((2, 3))]
    assert dbr.functions.n_step_bigru(1, 0.1, None, ws, bs, xs) == 'cudnn'
    assert seen[0][:4] == ('gru', 'n_step_bigru', 1, 0.1) and seen[0][-2:] == (2, 'tanh')
    with dbr.using_config('use_cudnn', 'never'):
        hy, ys = dbr.functions.n_step_bigru(1, 0.1, None, ws, bs, xs)
    assert isinstance(hy, dbr.Variable) and len(seen) == 1


def test_import_and_cpu_use_load_no_cudnn():
    code = '''
import json, sys, numpy
import dbr, dbr.functions as F
ws = [[numpy.ones((2, 3 if q < 1 else 2)) for q in range(2)]]
bs = [[numpy.zeros(2) for q in range(2)]]
hy, ys = F.n_step_rnn(1, 0.0, None, ws, bs, [numpy.ones((2, 3))])
maps = open('/proc/self/maps').read()
print(json.dumps({'module': 'dbr.backends.cudnn' in sys.modules, 'cupy': 'cupy' in sys.modules,
                  'lib': 'libcudnn' in maps}))
'''
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, '-W', 'error', '-c', code], env=env, cwd=str(ROOT),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {'module': False, 'cupy': False,
                                                        'lib': False}


# ----- validation before any cuDNN call ---------------------------------------------------------
@pytest.fixture
def no_cudnn_calls(monkeypatch):
    def forbidden(*args):
        raise AssertionError('cuDNN was reached')

    monkeypatch.setattr(cudnn, 'get_library', forbidden)
    monkeypatch.setattr(cudnn, 'device_state', forbidden)


def _cudnn_call(mode, n_dirs, n_layers, hx, cx, ws, bs, xs, dropout=0.0):
    label = {'lstm': 'n_step_lstm', 'gru': 'n_step_gru', 'rnn': 'n_step_rnn'}[mode]
    label = label.replace('n_step_', 'n_step_bi') if n_dirs == 2 else label
    return _cudnn_rnn.cudnn_n_step(mode, label, n_layers, dropout, hx, cx, ws, bs, xs, n_dirs,
                                   'tanh')


def test_wrong_in_size_is_caught(no_cudnn_calls):
    ws, bs = _params('lstm', 1, 1, 3, 4)
    with pytest.raises(type_check.InvalidType, match=r'n_step_lstm.*ws\[0\]\[0\].shape == '
                                                     r'\(4, 5\).*xs\[0\].shape=\(2, 5\)'):
        _cudnn_call('lstm', 1, 1, None, None, ws, bs, [numpy.zeros((2, 5))])


def test_zero_length_sequence_is_caught(no_cudnn_calls):
    ws, bs = _params('gru', 1, 2, 3, 4)
    with pytest.raises(ValueError, match=r'n_step_bigru: xs\[1\] has length 0'):
        _cudnn_call('gru', 2, 1, None, None, ws, bs, [numpy.zeros((2, 3)), numpy.zeros((0, 3))])


def test_wrong_hx_shape_and_dropout_are_caught(no_cudnn_calls):
    ws, bs = _params('rnn', 2, 1, 3, 4)
    xs = [numpy.zeros((2, 3))]
    with pytest.raises(type_check.InvalidType, match=r'n_step_rnn.*hx.shape == \(2, 1, 4\).*'
                                                     r'hx.shape=\(1, 1, 4\)'):
        _cudnn_call('rnn', 1, 2, numpy.zeros((1, 1, 4)), None, ws, bs, xs)
    with pytest.raises(ValueError, match=r'n_step_rnn: dropout_ratio must be in \[0, 1\), got 1'):
        _cudnn_call('rnn', 1, 2, None, None, ws, bs, xs, dropout=1.0)


def test_mixed_dtypes_are_caught(no_cudnn_calls):
    ws, bs = _params('lstm', 1, 1, 3, 4, dtype=numpy.float32)
    with pytest.raises(type_check.InvalidType, match='n_step_lstm.*one dtype'):
        _cudnn_call('lstm', 1, 1, None, None, ws, bs, [numpy.zeros((2, 3))])


def test_dtype_without_a_cudnn_type_is_caught(no_cudnn_calls):
    dtype = numpy.longdouble
    ws, bs = _params('lstm', 1, 1, 3, 4, dtype=dtype)
    with pytest.raises(type_check.InvalidType,
                       match=r'n_step_lstm.*float16, float32 or float64 arrays \(cuDNN\)'):
        _cudnn_call('lstm', 1, 1, None, None, ws, bs, [numpy.zeros((2, 3), dtype)])


class _OnDevice(numpy.ndarray):
    """A NumPy array that claims to live on a GPU (``device.id``)."""

    @property
    def device(self):
        return types.SimpleNamespace(id=self.dev)


def _on(a, dev):
    a = numpy.asarray(a).view(_OnDevice)
    a.dev = dev
    return a


def test_arrays_on_two_devices_are_caught():
    xs = [_on(numpy.zeros((2, 3), 'f'), 0), _on(numpy.zeros((1, 3), 'f'), 1)]
    with pytest.raises(ValueError, match=r'n_step_gru: all arrays must be on one GPU, got arrays '
                                         r'on devices \[0, 1\]'):
        _cudnn_rnn.check_cudnn_inputs('n_step_gru', numpy.float32, [None] + xs, {})
    _cudnn_rnn.check_cudnn_inputs('n_step_gru', numpy.float32, [xs[0], _on(xs[1], 0)], {})
    # A host array among GPU ones (its device has no id).
    with pytest.raises(ValueError, match=r'on devices \[0, None\]'):
        _cudnn_rnn.check_cudnn_inputs('n_step_gru', numpy.float32,
                                      [xs[0], numpy.zeros((1, 3), 'f')], {})


def test_sizes_beyond_int32_are_caught():
    with pytest.raises(ValueError, match=r"n_step_rnn: in_size=2147483648 exceeds cuDNN's "
                                         r"32-bit limit"):
        _cudnn_rnn.check_cudnn_inputs('n_step_rnn', numpy.float64, [], {'in_size': 2 ** 31})


# ----- double backprop through the cuDNN node (its forward stood in for by the array path) ------
class _CpuStandIn(_cudnn_rnn.CudnnNStepRNN):
    """The cuDNN node with its forward computed by the array-module path (no GPU here)."""

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        states, ws, bs, xs = self._split_inputs(inputs)
        n_w = self.n_w
        groups = range(self.n_layers * self.n_dirs)
        with dbr.no_backprop_mode():
            out = _n_step.n_step(self.mode, self.label, self.n_layers, 0.0, states[0],
                                 states[1] if self.n_states == 2 else None,
                                 [list(ws[k * n_w:(k + 1) * n_w]) for k in groups],
                                 [list(bs[k * n_w:(k + 1) * n_w]) for k in groups], list(xs),
                                 self.n_dirs, self.activation)
        return tuple(v.array for v in list(out[:-1]) + list(out[-1]))


@pytest.mark.parametrize('mode, n_dirs', [('lstm', 2), ('gru', 1), ('rnn', 1)])
def test_double_backprop_recomputes_on_the_array_path(mode, n_dirs):
    n_layers, in_size, hidden = 2, 2, 2
    lengths = [2, 3, 1]
    ws, bs = _params(mode, n_layers, n_dirs, in_size, hidden)
    n_states = 2 if mode == 'lstm' else 1
    k = n_layers * n_dirs
    states = [numpy.random.uniform(-1, 1, (k, len(lengths), hidden)) for _ in range(n_states)]
    xs = [numpy.random.uniform(-1, 1, (n, in_size)) for n in lengths]
    inputs = states + [w for g in ws for w in g] + [b for g in bs for b in g] + xs

    def standin(*args):
        return _CpuStandIn(mode, n_layers, n_dirs, 0.0, 'tanh', 'n_step_x', True).apply(args)

    outs = standin(*[dbr.Variable(a) for a in inputs])
    gys = [numpy.random.uniform(-1, 1, o.shape) for o in outs]
    ggxs = [numpy.random.uniform(-1, 1, a.shape) for a in inputs]
    gradient_check.check_double_backward(standin, inputs, gys, ggxs, atol=1e-4, rtol=1e-3)


def test_double_backprop_gradients_equal_the_array_paths():
    ws, bs = _params('lstm', 1, 1, 3, 2)
    xs = [dbr.Variable(numpy.random.randn(n, 3)) for n in (1, 4)]
    flat = [w for g in ws for w in g] + [b for g in bs for b in g]
    params = [dbr.Variable(a) for a in flat]
    hx = dbr.Variable(numpy.random.randn(1, 2, 2))
    cx = dbr.Variable(numpy.random.randn(1, 2, 2))
    node = _CpuStandIn('lstm', 1, 1, 0.0, 'tanh', 'n_step_lstm', True)
    outs = node.apply([hx, cx] + params + xs)
    # Loss on hy alone: no gradient reaches ys or cy.
    got = dbr.grad([outs[0]], [hx, cx] + params + xs, [dbr.Variable(numpy.ones((1, 2, 2)))],
                   enable_double_backprop=True)
    hy, cy, ys = _n_step.n_step('lstm', 'n_step_lstm', 1, 0.0, hx, cx,
                                [params[:8]], [params[8:]], xs, 1)
    want = dbr.grad([hy], [hx, cx] + params + xs, [dbr.Variable(numpy.ones((1, 2, 2)))])
    for g, w in zip(got, want):
        numpy.testing.assert_allclose(g.array, w.array, rtol=1e-12, atol=1e-14)
    assert got[0].creator is not None                       # differentiable again


# ----- the node's plumbing, against a fake cuDNN computing simple order-sensitive stand-ins -----
class FakeRNN:
    """A fake libcudnn whose "RNN" is easy to predict but sensitive to every index mapping.

    In cuDNN's batch slot ``j`` (length ``L_j``), forward gives ``y = 2 x + w[0]``,
    ``hy = hx + L_j``, ``cy = cx - L_j``; backward-data gives ``dx = 3 dy``,
    ``dhx = 5 dhy + L_j`` (``L_j`` alone when dhy is NULL), ``dcx = dcy - L_j``; backward-weights
    adds ``0, 1, 2, ...`` to dw. ``y``/``dx`` rows are in cuDNN's buffer order.
    """

    def __init__(self, oracle):
        self.oracle = oracle
        self.arrays = {}
        self.modes = []
        fake = oracle.fake()
        for name in ('cudnnGetRNNWeightSpaceSize', 'cudnnGetRNNTempSpaceSizes', 'cudnnRNNForward',
                     'cudnnRNNBackwardData_v8', 'cudnnRNNBackwardWeights_v8'):
            setattr(fake, name, fake._record(name, getattr(self, name)))
        self.fake = fake

    def ptr(self, a):
        if a is None:
            return None
        self.arrays[a.ctypes.data] = a
        return a.ctypes.data

    def get(self, p):
        return None if p is None else self.arrays[p]

    def cudnnGetRNNWeightSpaceSize(self, h, d, ref):
        _out(ref).value = self.oracle.size_bytes
        return 0

    def cudnnGetRNNTempSpaceSizes(self, h, d, mode, x_desc, work_ref, reserve_ref):
        _out(work_ref).value = 64
        _out(reserve_ref).value = 128 if mode == cudnn.FWD_MODE_TRAINING else 0
        return 0

    def _lengths(self, p):
        return self.get(p).astype(numpy.float64)[None, :, None]

    def cudnnRNNForward(self, h, d, mode, lens, xd, x, yd, y, hd, hx, hy, cd, cx, cy, wsize, w,
                        work_size, work, reserve_size, reserve):
        self.modes.append(mode)
        assert (wsize, work_size) == (self.oracle.size_bytes, 64)
        assert reserve_size == (128 if mode == cudnn.FWD_MODE_TRAINING else 0)
        assert (reserve is None) == (reserve_size == 0)
        L = self._lengths(lens)
        self.get(y)[...] = 2 * self.get(x) + self.get(w)[0]
        self.get(hy)[...] = self.get(hx) + L
        if cy is not None:
            self.get(cy)[...] = self.get(cx) - L
        return 0

    def cudnnRNNBackwardData_v8(self, h, d, lens, yd, y, dy, xd, dx, hd, hx, dhy, dhx, cd, cx,
                                dcy, dcx, wsize, w, work_size, work, reserve_size, reserve):
        assert reserve_size == 128 and self.get(reserve).size == 128
        L = self._lengths(lens)
        self.get(dx)[...] = 3 * self.get(dy)
        if dhx is not None:
            self.get(dhx)[...] = L if dhy is None else 5 * self.get(dhy) + L
        if dcx is not None:
            self.get(dcx)[...] = -L if dcy is None else self.get(dcy) - L
        return 0

    def cudnnRNNBackwardWeights_v8(self, h, d, mode, lens, xd, x, hd, hx, yd, y, wsize, dw,
                                   work_size, work, reserve_size, reserve):
        assert mode == cudnn.WGRAD_MODE_ADD and wsize == self.oracle.size_bytes
        dw = self.get(dw)
        assert not dw.any()                         # ADD needs a zeroed buffer
        dw += numpy.arange(dw.size)
        return 0


@pytest.fixture
def fake_rnn(fake_gpu, monkeypatch):
    """Builds a :class:`FakeRNN` for (mode, n_layers, n_dirs, in_size, hidden) and installs it."""
    def install(mode, n_layers, n_dirs, in_size, hidden):
        oracle = WeightOracle(mode, n_layers, n_dirs, in_size, hidden, 8, base=0)
        rnn = FakeRNN(oracle)
        lib = fake_library(rnn.fake)
        monkeypatch.setattr(cudnn, 'get_library', lambda: lib)
        monkeypatch.setattr(cudnn, '_tls', type(cudnn._tls)())
        monkeypatch.setattr(cudnn, 'alloc_bytes', lambda n: numpy.zeros(n, numpy.uint8) if n
                            else None)
        monkeypatch.setattr(cudnn, 'data_ptr', rnn.ptr)
        # The weight-params probe buffer must sit at the oracle's base address 0.
        real_query = _cudnn_rnn.query_weight_layout
        monkeypatch.setattr(_cudnn_rnn, 'query_weight_layout',
                            lambda *a: real_query(*a[:-1], 0))
        return rnn
    return install


@pytest.mark.parametrize('layout', ['packed', 'unpacked'])
@pytest.mark.parametrize('mode, n_dirs', [('lstm', 1), ('gru', 2)])
def test_node_maps_everything_back_to_the_callers_order(fake_rnn, monkeypatch, layout, mode,
                                                        n_dirs):
    monkeypatch.setattr(cudnn, 'rnn_layout', layout)
    n_layers, hidden = 2, 2
    in_size = hidden * n_dirs          # so that the fake's y = 2 x + w[0] has y's shape
    rnn = fake_rnn(mode, n_layers, n_dirs, in_size, hidden)
    lengths = [2, 4, 1, 4]
    ws, bs = _params(mode, n_layers, n_dirs, in_size, hidden)
    k = n_layers * n_dirs
    hx = dbr.Variable(numpy.random.randn(k, 4, hidden))
    cx = dbr.Variable(numpy.random.randn(k, 4, hidden)) if mode == 'lstm' else None
    xs = [dbr.Variable(numpy.random.randn(n, in_size)) for n in lengths]
    params = [[dbr.Variable(w) for w in g] for g in ws], [[dbr.Variable(b) for b in g] for g in bs]
    out = _cudnn_call(mode, n_dirs, n_layers, hx, cx, *params, xs)
    hy, cy, ys = (out if mode == 'lstm' else (out[0], None, out[1]))
    assert rnn.modes == [cudnn.FWD_MODE_TRAINING]
    flat = [w for g in ws for w in g] + [b for g in bs for b in g]
    places = _weight_places(rnn, mode, n_layers, n_dirs)
    first = [j for j, (off, _, _) in enumerate(places) if off == 0]   # else a zero gap
    layout_w0 = flat[first[0]].ravel()[0] if first else 0.0
    L = numpy.array(lengths, numpy.float64)[None, :, None]
    for x, y in zip(xs, ys):
        numpy.testing.assert_array_equal(y.array, 2 * x.array + layout_w0)
    numpy.testing.assert_array_equal(hy.array, hx.array + L)
    if mode == 'lstm':
        numpy.testing.assert_array_equal(cy.array, cx.array - L)
    gys = [numpy.random.randn(*y.shape) for y in ys]
    ghy = numpy.random.randn(*hy.shape)
    targets = [hx] + ([cx] if cx is not None else []) + params[0][0] + params[1][0] + xs
    grads = dbr.grad(list(ys) + [hy], targets, [dbr.Variable(g) for g in gys + [ghy]])
    numpy.testing.assert_array_equal(grads[0].array, 5 * ghy + L)
    if mode == 'lstm':
        # No gradient reached cy: dcy went in as NULL.
        numpy.testing.assert_array_equal(grads[1].array, numpy.broadcast_to(-L, cx.shape))
    ns = 2 if mode == 'lstm' else 1
    n_w = N_W[mode]
    got_w = grads[ns:ns + n_w]
    got_b = grads[ns + n_w:ns + 2 * n_w]
    n_wb = k * n_w
    for q in range(n_w):
        for got, (off, shape, n) in ((got_w[q], places[q]), (got_b[q], places[n_wb + q])):
            numpy.testing.assert_array_equal(got.array,
                                             numpy.arange(off, off + n).reshape(shape))
    for g, gx in zip(gys, grads[ns + 2 * n_w:]):
        numpy.testing.assert_array_equal(gx.array, 3 * g)


def _weight_places(rnn, mode, n_layers, n_dirs):
    n_w = N_W[mode]
    keys = [(k, q, kind) for kind in 'wb' for k in range(n_layers * n_dirs) for q in range(n_w)]
    return [(rnn.oracle.table[key][0] // 8, rnn.oracle.shapes[key],
             int(numpy.prod(rnn.oracle.shapes[key]))) for key in keys]


def test_node_loss_on_hy_alone_and_a_second_backward(fake_rnn):
    rnn = fake_rnn('rnn', 1, 1, 1, 1)
    ws, bs = _params('rnn', 1, 1, 1, 1)
    xs = [dbr.Variable(numpy.random.randn(n, 1)) for n in (3, 1)]
    hy, ys = _cudnn_call('rnn', 1, 1, None, None, ws, bs, xs)
    for _ in range(2):
        gxs = dbr.grad([hy], xs, [dbr.Variable(numpy.ones((1, 2, 1)))])
        for x, g in zip(xs, gxs):
            numpy.testing.assert_array_equal(g.array, numpy.zeros_like(x.array))
    # The second backward re-ran the forward for a fresh reserve space.
    assert rnn.modes == [cudnn.FWD_MODE_TRAINING] * 2
    assert rnn.fake.names().count('cudnnRNNBackwardWeights_v8') == 0


def test_node_runs_inference_mode_unless_a_gradient_or_dropout_needs_training(fake_rnn):
    rnn = fake_rnn('gru', 2, 1, 1, 1)
    ws, bs = _params('gru', 2, 1, 1, 1)
    xs = [numpy.random.randn(2, 1)]
    _cudnn_call('gru', 1, 2, None, None, ws, bs, xs, dropout=0.5)              # train mode
    with dbr.using_config('train', False):
        _cudnn_call('gru', 1, 2, None, None, ws, bs, xs, dropout=0.5)
    with dbr.no_backprop_mode():
        _cudnn_call('gru', 1, 2, None, None, ws, bs, [dbr.Variable(x) for x in xs])
    assert rnn.modes == [cudnn.FWD_MODE_TRAINING, cudnn.FWD_MODE_INFERENCE,
                         cudnn.FWD_MODE_INFERENCE]
    ratios = [a[2] for n, a in rnn.fake.calls if n == 'cudnnSetDropoutDescriptor']
    assert ratios == [0.5, 0.0]          # test mode: a dropout-free descriptor
