"""``import dbr`` never needs CuPy and never imports it (checked in fresh interpreters)."""
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(code):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get('PYTHONPATH')) if p)
    proc = subprocess.run([sys.executable, '-W', 'error', '-c', code], env=env, cwd=str(ROOT),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_with_cupy_unimportable():
    code = '''
import json, sys
sys.modules['cupy'] = None  # makes `import cupy` raise ImportError
import numpy
import dbr, dbr.functions as F
out = {}
out['cupy_loaded'] = sys.modules.get('cupy') is not None
out['available'] = dbr.cuda.available
out['cupy_attr_is_none'] = dbr.cuda.cupy is None
x = dbr.Variable(numpy.array([0.5, -1.0]))
y = F.sum(F.tanh(x) * x)
y.backward()
out['grad'] = x.grad.tolist()
out['x'] = x.array.tolist()
try:
    dbr.cuda.to_gpu(x.array)
    out['to_gpu'] = 'no error'
except RuntimeError as e:
    out['to_gpu'] = str(e)
try:
    dbr.get_device('@cupy:0')
    out['get_device'] = 'no error'
except RuntimeError as e:
    out['get_device'] = str(e)
print(json.dumps(out))
'''
    out = _run(code)
    assert out['cupy_loaded'] is False
    assert out['available'] is False
    assert out['cupy_attr_is_none'] is True
    import numpy
    x = numpy.array(out['x'])
    # d/dx sum(tanh(x) * x) = tanh(x) + x * (1 - tanh(x)**2)
    expected = numpy.tanh(x) + x * (1 - numpy.tanh(x) ** 2)
    numpy.testing.assert_allclose(out['grad'], expected, rtol=1e-12)
    assert 'cupy-cuda13x' in out['to_gpu']
    assert 'cupy-cuda13x' in out['get_device']


def test_import_dbr_does_not_import_cupy():
    code = '''
import json, sys
import numpy
import dbr
import dbr.functions as F
after_import = 'cupy' in sys.modules
x = dbr.Variable(numpy.ones((2, 2), numpy.float32))
F.sum(x * x).backward()
dbr.backend.get_array_module(x)
dbr.get_device('@numpy').send(x.array)
dbr.backend.get_device_from_array(x.array)
x.to_cpu()
print(json.dumps({'after_import': after_import, 'after_use': 'cupy' in sys.modules}))
'''
    out = _run(code)
    assert out['after_import'] is False
    assert out['after_use'] is False
