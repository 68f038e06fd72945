"""Value classes: constructor defaults, get_dict shapes, metadata lengths. No native library."""

from __future__ import annotations

import pytest

from uplink_python.module_classes import (Bucket, Config, CustomMetadata, CustomMetadataEntry,
                                          DownloadOptions, ListBucketsOptions,
                                          ListObjectsOptions, Object, Permission, SharePrefix,
                                          SystemMetadata, UploadOptions)


def test_defaults_and_get_dict() -> None:
    assert Config().get_dict() == {"user_agent": "", "dial_timeout_milliseconds": 0,
                                   "temp_directory": ""}
    assert Permission().get_dict() == {"allow_download": False, "allow_upload": False,
                                       "allow_list": False, "allow_delete": False,
                                       "not_before": 0, "not_after": 0}
    assert SharePrefix().get_dict() == {"bucket": "", "prefix": ""}
    assert Bucket().get_dict() == {"name": "", "created": 0}
    assert SystemMetadata().get_dict() == {"created": 0, "expires": 0, "content_length": 0}
    assert ListObjectsOptions().get_dict() == {"prefix": "", "cursor": "", "recursive": False,
                                               "system": False, "custom": False}
    assert ListBucketsOptions().get_dict() == {"cursor": ""}
    assert UploadOptions().get_dict() == {"expires": 0}
    assert DownloadOptions().get_dict() == {"offset": 0, "length": -1}
    assert CustomMetadata().get_dict() == {"entries": [], "count": 0}


def test_keyword_arguments_of_the_original() -> None:
    permission = Permission(allow_list=True, allow_delete=False)
    assert permission.allow_list and not permission.allow_delete
    prefix = SharePrefix(bucket="b", prefix="p/")
    assert (prefix.bucket, prefix.prefix) == ("b", "p/")
    options = ListObjectsOptions(recursive=True, system=True)
    assert options.recursive and options.system and not options.custom
    assert Config(user_agent="ua", dial_timeout_milliseconds=5,
                  temp_directory="inmemory").get_dict()["temp_directory"] == "inmemory"
    assert UploadOptions(expires=10).expires == 10
    assert DownloadOptions(offset=3, length=4).get_dict() == {"offset": 3, "length": 4}
    assert ListBucketsOptions(cursor="x").cursor == "x"


def test_object_get_dict_is_nested() -> None:
    obj = Object(key="k", is_prefix=False, system=SystemMetadata(1, 2, 3),
                 custom=CustomMetadata([CustomMetadataEntry(key="a", value="b")]))
    assert obj.get_dict() == {
        "key": "k", "is_prefix": False,
        "system": {"created": 1, "expires": 2, "content_length": 3},
        "custom": {"entries": [{"key": "a", "key_length": 1, "value": "b", "value_length": 1}],
                   "count": 1},
    }
    assert Object().get_dict()["system"] == SystemMetadata().get_dict()


def test_metadata_lengths_come_from_the_data() -> None:
    # The original trusted caller lengths (defaulting to 0); these are ignored now.
    entry = CustomMetadataEntry(key="clé", key_length=0, value="välue", value_length=1)
    assert entry.key_length == len("clé".encode())
    assert entry.value_length == len("välue".encode())
    binary = CustomMetadataEntry(key=b"k\x00", value=b"\xff\x00\x01", key_length=99)
    assert (binary.key_length, binary.value_length) == (2, 3)
    assert binary.key_bytes == b"k\x00" and binary.value_bytes == b"\xff\x00\x01"


def test_metadata_count_follows_entries() -> None:
    entries = [CustomMetadataEntry(key="a", value="1"), CustomMetadataEntry(key="b", value="2")]
    assert CustomMetadata(entries, 1).count == 2
    assert CustomMetadata(entries, 99).count == 2
    assert CustomMetadata.from_dict({"a": "1", "b": "2"}) == CustomMetadata(entries)
    assert CustomMetadata(entries).to_dict() == {"a": "1", "b": "2"}


def test_metadata_entry_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="CustomMetadataEntry.key"):
        CustomMetadataEntry(key=5, value="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="CustomMetadataEntry.value"):
        CustomMetadataEntry(key="k", value=None)  # type: ignore[arg-type]


def test_equality_and_repr() -> None:
    assert Bucket("a", 1) == Bucket("a", 1)
    assert Bucket("a", 1) != Bucket("a", 2)
    assert Bucket("a", 1) != Object("a")
    assert repr(Bucket("a", 1)) == "Bucket(name='a', created=1)"


def test_config_timeouts_are_keyword_only_and_shown_when_set() -> None:
    config = Config("ua", 1000, "", request_timeout_milliseconds=5000,
                    stall_timeout_milliseconds=-1)
    assert config.get_dict() == {"user_agent": "ua", "dial_timeout_milliseconds": 1000,
                                 "temp_directory": "", "request_timeout_milliseconds": 5000,
                                 "stall_timeout_milliseconds": -1}
    assert "request_timeout_milliseconds" not in repr(Config())
    assert Config(request_timeout_milliseconds=1) != Config()
    with pytest.raises(TypeError):
        Config("ua", 0, "", 5000)  # type: ignore[misc]  # pylint: disable=too-many-function-args
