from setuptools import find_packages, setup

setup(
    name='dbr',
    version='0.1.0',
    description='A define-by-run deep-learning framework with the Chainer v7 API, on NumPy/CuPy.',
    packages=find_packages(include=['dbr', 'dbr.*']),
    python_requires='>=3.10',
    install_requires=['numpy>=1.24', 'tqdm'],
    extras_require={
        'test': ['pytest'],
        'cuda': ['cupy-cuda13x'],
        'examples': [],
    },
)
