"""The ``chainer`` fixture of the compat tests: the alias installed for one test."""
import pytest

import dbr.compat


@pytest.fixture
def chainer():
    dbr.compat.install_chainer_alias()
    import chainer
    yield chainer
    dbr.compat.uninstall_chainer_alias()
