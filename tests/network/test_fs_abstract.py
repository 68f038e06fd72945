"""fsspec's own conformance suite (fsspec.tests.abstract) against the local network.

The suite's copy/get/put/open/pipe tests run on StorjFileSystem, each in a
fresh directory of one bucket. Storj has no empty directories (a prefix
exists while an object lies under it), which the suite allows for with
``supports_empty_directories``. One leak check for the whole module: the
file system keeps its project open across the tests.
"""

from __future__ import annotations

import gc
import posixpath
import secrets
from typing import Any, Callable, Iterator

import fsspec.tests.abstract as abstract
import pytest

from uplink_python import _native
from uplink_python.fs import StorjFileSystem
from uplink_fixtures import delete_bucket_fully, random_bucket_name


@pytest.fixture(scope="module")
def storj_fs(testnet: Any) -> Iterator[StorjFileSystem]:
    """One file system and one bucket for the module; then the handle table is empty."""
    fs = StorjFileSystem(access=testnet.access, skip_instance_cache=True)
    bucket = random_bucket_name("abstract")
    fs.mkdir(bucket)
    fs.test_bucket = bucket
    yield fs
    fs.close()
    delete_bucket_fully(testnet, bucket)
    del fs
    gc.collect()
    assert _native.universe_is_empty(), "the fsspec tests leaked native handles"


class StorjFixtures(abstract.AbstractFixtures):  # type: ignore[misc,name-defined]
    """What the abstract suite needs to know about Storj."""

    @pytest.fixture
    def fs(self, storj_fs: StorjFileSystem) -> StorjFileSystem:
        return storj_fs

    @pytest.fixture
    def fs_path(self, storj_fs: StorjFileSystem) -> str:
        return f"{storj_fs.test_bucket}/{secrets.token_hex(4)}"

    @pytest.fixture
    def fs_join(self) -> Callable[..., str]:
        return posixpath.join

    @pytest.fixture
    def supports_empty_directories(self) -> bool:
        return False


class TestStorjCopy(abstract.AbstractCopyTests, StorjFixtures):  # type: ignore[misc,name-defined]
    pass


class TestStorjGet(abstract.AbstractGetTests, StorjFixtures):  # type: ignore[misc,name-defined]
    pass


class TestStorjPut(abstract.AbstractPutTests, StorjFixtures):  # type: ignore[misc,name-defined]
    pass


class TestStorjOpen(abstract.AbstractOpenTests, StorjFixtures):  # type: ignore[misc,name-defined]
    pass


class TestStorjPipe(abstract.AbstractPipeTests, StorjFixtures):  # type: ignore[misc,name-defined]
    pass
