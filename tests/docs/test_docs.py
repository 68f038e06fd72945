"""Runs every ```python block of library.md and tutorial.md against the local network.

The blocks of one document run in order in one namespace, with the
credentials in STORJ_* environment variables, in a scratch directory.
"""

from __future__ import annotations

import gc
import os
import re
from typing import Any, List

import pytest

from uplink_fixtures import delete_bucket_fully, random_bucket_name

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(document: str) -> List[str]:
    """The python code blocks of a markdown file at the repo root."""
    with open(os.path.join(REPO, document), encoding="utf-8") as handle:
        return BLOCK.findall(handle.read())


@pytest.mark.parametrize("document", ["library.md", "tutorial.md"])
def test_document_examples_run(document: str, testnet: Any, leak_check: None,
                               tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(document)
    assert len(blocks) >= 10, f"{document} has too few examples"
    bucket = random_bucket_name("docs")
    monkeypatch.setenv("STORJ_SATELLITE", testnet.satellite_url)
    monkeypatch.setenv("STORJ_API_KEY", testnet.api_key)
    monkeypatch.setenv("STORJ_PASSPHRASE", testnet.passphrase)
    monkeypatch.setenv("STORJ_BUCKET", bucket)
    monkeypatch.setenv("STORJ_AUTH_SERVICE", testnet.auth_address)
    monkeypatch.setenv("STORJ_AUTH_INSECURE", "1")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{document.replace('.', '_')}"}
    try:
        for index, block in enumerate(blocks):
            code = compile(block, f"{document}[block {index + 1}]", "exec")
            exec(code, namespace)  # pylint: disable=exec-used
    finally:
        namespace.clear()
        gc.collect()
        for name in (bucket, bucket + "-versions", bucket + "-locked"):
            delete_bucket_fully(testnet, name)


def test_documents_name_every_public_call() -> None:
    with open(os.path.join(REPO, "library.md"), encoding="utf-8") as handle:
        text = handle.read()
    for name in ("request_access_with_passphrase", "config_request_access_with_passphrase",
                 "parse_access", "derive_encryption_key", "override_encryption_key",
                 "serialize", "share", "open_project", "config_open_project",
                 "satellite_address", "ensure_bucket", "stat_bucket", "create_bucket",
                 "list_buckets", "iter_buckets", "delete_bucket", "stat_object",
                 "list_objects", "iter_objects", "delete_object", "upload_object",
                 "download_object", "write_file", "commit", "abort", "set_custom_metadata",
                 "info", "read_file", "readinto", "file_size", "revoke_access",
                 "copy_object", "move_object", "update_object_metadata", "cancel",
                 "delete_bucket_with_objects",
                 # beyond the original API
                 "begin_upload", "upload_part", "set_etag", "commit_upload", "abort_upload",
                 "list_uploads", "iter_uploads", "list_upload_parts", "iter_upload_parts",
                 "upload_file", "download_file", "delete_objects", "get_bucket_versioning",
                 "set_bucket_versioning", "versioned_info", "list_object_versions",
                 "iter_object_versions", "stat_object_version", "delete_object_version",
                 "create_bucket_with_object_lock", "get_bucket_object_lock_configuration",
                 "set_bucket_object_lock_configuration", "set_object_retention",
                 "get_object_retention", "set_object_legal_hold", "get_object_legal_hold",
                 "register_access", "register_edge_credentials", "join_share_url",
                 "open", "StorjFileSystem", "sign",
                 # credentials, files and retry helpers
                 "load_access_info", "save_access_info", "AccessInfo", "uplink_config_dir",
                 "find_access", "open_object", "RawObjectReader", "delays"):
        assert f"{name}(" in text, name
    for name in ("DEFAULT_RETRY", "NO_RETRY"):
        assert name in text, name
