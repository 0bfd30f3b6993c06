import os
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_readme_tour_runs(tmp_path):
    text = (REPO / 'README.md').read_text()
    code = re.search(r'## A tour\n\n```python\n(.*?)```', text, re.S).group(1)
    script = tmp_path / 'tour.py'
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, env={**os.environ, 'PYTHONPATH': str(REPO)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'main/accuracy' in out.stdout
    assert (tmp_path / 'model.npz').exists() and (tmp_path / 'result' / 'log').exists()


def test_readme_quickstart_has_exactly_two_commands():
    text = (REPO / 'README.md').read_text()
    block = re.search(r'## Quickstart\n\n```sh\n(.*?)```', text, re.S).group(1)
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[1] == "pip install -e '.[test]' && python -m pytest -q"
    ci = (REPO / '.ci' / 'run').read_text()
    assert "pip install -e '.[test]' && python -m pytest -q" in ci
