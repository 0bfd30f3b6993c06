import io
import threading

import numpy
import pytest

import dbr


def test_defaults():
    c = dbr.config
    assert c.train is True and c.enable_backprop is True and c.type_check is True
    assert c.debug is False and c.use_cudnn == 'auto' and c.dtype == numpy.float32


def test_using_config_restores_previous_value():
    with dbr.using_config('train', False):
        assert dbr.config.train is False
        with dbr.using_config('train', True):
            assert dbr.config.train is True
        assert dbr.config.train is False
    assert dbr.config.train is True


def test_using_config_restores_on_exception():
    with pytest.raises(RuntimeError):
        with dbr.using_config('debug', True):
            raise RuntimeError('boom')
    assert dbr.config.debug is False


def test_using_config_validates_use_cudnn_and_dtype():
    with pytest.raises(ValueError, match="use_cudnn must be one of"):
        with dbr.using_config('use_cudnn', 'sometimes'):
            pass
    with dbr.using_config('dtype', 'float16'):
        assert dbr.config.dtype == numpy.float16
        assert dbr.get_dtype() == numpy.float16


def test_config_is_thread_local():
    seen = {}
    started = threading.Event()
    release = threading.Event()

    def worker():
        seen['initial'] = dbr.config.train
        with dbr.using_config('train', 'worker'):
            started.set()
            release.wait(5)
            seen['inside'] = dbr.config.train

    with dbr.using_config('train', False):
        t = threading.Thread(target=worker)
        t.start()
        started.wait(5)
        assert dbr.config.train is False
        release.set()
        t.join(5)
    assert seen == {'initial': True, 'inside': 'worker'}


def test_no_backprop_mode_is_per_thread():
    result = {}

    def worker():
        x = dbr.Variable(numpy.ones(2))
        result['creator'] = (x * 2).creator

    with dbr.no_backprop_mode():
        t = threading.Thread(target=worker)
        t.start()
        t.join(5)
    assert result['creator'] is not None


def test_global_config_is_the_fallback_for_every_thread():
    result = {}
    dbr.global_config.my_flag = 3
    try:
        assert dbr.config.my_flag == 3
        t = threading.Thread(target=lambda: result.setdefault('v', dbr.config.my_flag))
        t.start()
        t.join(5)
        assert result['v'] == 3
        with dbr.using_config('my_flag', 4):
            assert dbr.config.my_flag == 4 and dbr.global_config.my_flag == 3
        assert dbr.config.my_flag == 3
    finally:
        del dbr.global_config.my_flag
    with pytest.raises(AttributeError):
        dbr.config.my_flag


def test_show_lists_every_key():
    out = io.StringIO()
    with dbr.using_config('train', False):
        dbr.config.show(out)
    text = out.getvalue()
    for key in ('train', 'enable_backprop', 'type_check', 'debug', 'use_cudnn', 'dtype'):
        assert key in text
    assert 'train' in text and 'False' in text.split('train', 1)[1].splitlines()[0]
    out = io.StringIO()
    dbr.global_config.show(out)
    assert 'use_cudnn' in out.getvalue()


def test_get_dtype():
    assert dbr.get_dtype() == numpy.float32
    assert dbr.get_dtype('float64') == numpy.float64
