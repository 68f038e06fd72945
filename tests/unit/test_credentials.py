"""Credential discovery (uplink_python.credentials) against files in the uplink CLI's formats.

Pure Python: nothing here contacts a satellite. The files are written exactly
as storj.io/storj/cmd/uplink writes them (external_access.go: access.json is
json.MarshalIndent(struct{Default; Accesses}, "", "\\t"), mode 0600;
external_config.go: config.ini in zeebo/ini's key = value form).
"""

from __future__ import annotations

import os
import pickle
import stat
from typing import Dict

import pytest

from uplink_python import NoAccessError, StorjException
from uplink_python import credentials
from uplink_python.credentials import (AccessInfo, find_access, load_access_info,
                                       save_access_info, uplink_config_dir)

GRANT_A = "1" + "A" * 120
GRANT_B = "1" + "B" * 120
GRANT_FROM_ENV = "1" + "E" * 120

# What the Go CLI writes for two accesses, "main" the default: encoding/json with
# tab indentation, struct fields in order, map keys sorted, no final newline.
GO_ACCESS_JSON = ('{\n\t"Default": "main",\n\t"Accesses": {\n\t\t"backup": "' + GRANT_B
                  + '",\n\t\t"main": "' + GRANT_A + '"\n\t}\n}')


def _config_dir(tmp_path: object, text: str = GO_ACCESS_JSON) -> str:
    directory = os.path.join(str(tmp_path), "storj", "uplink")
    os.makedirs(directory)
    with open(os.path.join(directory, "access.json"), "w", encoding="utf-8") as handle:
        handle.write(text)
    return directory


def test_config_dir_on_linux_follows_xdg_and_home() -> None:
    assert uplink_config_dir({"HOME": "/home/ann"}, "linux") == "/home/ann/.config/storj/uplink"
    assert uplink_config_dir({"HOME": "/home/ann", "XDG_CONFIG_HOME": "/xdg"},
                             "linux") == "/xdg/storj/uplink"
    assert uplink_config_dir({"HOME": "/h"}, "freebsd13") == "/h/.config/storj/uplink"


def test_config_dir_on_macos_and_windows() -> None:
    assert uplink_config_dir({"HOME": "/Users/ann"}, "darwin") == \
        "/Users/ann/Library/Application Support/Storj/Uplink"
    # Windows takes the first of AppData, AppDataLocal, UserProfile, Home that is set.
    windows = uplink_config_dir({"AppDataLocal": "L", "UserProfile": "U"}, "win32")
    assert windows == os.path.join("L", "Storj", "Uplink")
    assert uplink_config_dir({"AppData": "R", "UserProfile": "U"}, "win32") == \
        os.path.join("R", "Storj", "Uplink")


def test_uplink_config_dir_variable_wins_everywhere() -> None:
    for platform in ("linux", "darwin", "win32"):
        assert uplink_config_dir({"UPLINK_CONFIG_DIR": "/cfg", "HOME": "/h",
                                  "AppData": "R"}, platform) == "/cfg"


def test_reads_the_go_cli_access_file(tmp_path: object) -> None:
    info = load_access_info(_config_dir(tmp_path))
    assert info == AccessInfo("main", {"main": GRANT_A, "backup": GRANT_B})


def test_go_field_names_are_matched_without_case_and_null_is_empty(tmp_path: object) -> None:
    directory = _config_dir(tmp_path, '{"default": "x", "accesses": {"x": "%s"}}' % GRANT_A)
    assert load_access_info(directory) == AccessInfo("x", {"x": GRANT_A})
    os.remove(os.path.join(directory, "access.json"))
    with open(os.path.join(directory, "access.json"), "w", encoding="utf-8") as handle:
        handle.write('{"Default": "", "Accesses": null}')
    assert load_access_info(directory) == AccessInfo("", {})


def test_no_access_file_is_none(tmp_path: object) -> None:
    assert load_access_info(str(tmp_path)) is None


def test_a_broken_access_file_names_the_file_not_its_content(tmp_path: object) -> None:
    directory = _config_dir(tmp_path, '{"Default": "main", "Accesses": {"main": "' + GRANT_A)
    with pytest.raises(ValueError) as caught:
        load_access_info(directory)
    assert "access.json is not valid JSON" in str(caught.value)
    assert GRANT_A not in str(caught.value)
    directory2 = _config_dir(os.path.join(str(tmp_path), "two"), '{"Accesses": {"a": 1}}')
    with pytest.raises(ValueError, match="Accesses a map of names"):
        load_access_info(directory2)


def test_writes_the_file_byte_for_byte_as_the_go_cli(tmp_path: object) -> None:
    directory = os.path.join(str(tmp_path), "new", "dir")
    path = save_access_info(AccessInfo("main", {"main": GRANT_A, "backup": GRANT_B}), directory)
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == GO_ACCESS_JSON
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_access_info(directory) == AccessInfo("main", {"main": GRANT_A, "backup": GRANT_B})


def test_access_info_repr_hides_grants() -> None:
    text = repr(AccessInfo("main", {"main": GRANT_A}))
    assert GRANT_A not in text and "main" in text


def _env(directory: str, **extra: str) -> Dict[str, str]:
    return {"HOME": "/nonexistent", "UPLINK_CONFIG_DIR": directory, **extra}


def test_order_explicit_then_storj_access_then_the_triple_then_the_cli(tmp_path: object) -> None:
    directory = _config_dir(tmp_path)
    everything = _env(directory, STORJ_ACCESS=GRANT_FROM_ENV, STORJ_SATELLITE="id@sat:7777",
                      STORJ_API_KEY="key", STORJ_PASSPHRASE="pass", UPLINK_ACCESS="backup")
    assert find_access(GRANT_B, environ=everything).grant == GRANT_B
    assert find_access("backup", environ=everything).grant == GRANT_B
    assert find_access(environ=everything).grant == GRANT_FROM_ENV
    del everything["STORJ_ACCESS"]
    source = find_access(environ=everything)
    assert source.grant is None and source.request == ("id@sat:7777", "key", "pass")
    for name in ("STORJ_SATELLITE", "STORJ_API_KEY", "STORJ_PASSPHRASE"):
        del everything[name]
    assert find_access(environ=everything).grant == GRANT_B  # UPLINK_ACCESS names "backup"
    del everything["UPLINK_ACCESS"]
    source = find_access(environ=everything)
    assert source.grant == GRANT_A  # access.json's default
    assert "main" in source.origin and GRANT_A not in repr(source)


def test_uplink_access_may_hold_a_grant_or_a_file(tmp_path: object) -> None:
    directory = _config_dir(tmp_path)
    assert find_access(environ=_env(directory, UPLINK_ACCESS=GRANT_FROM_ENV)).grant == \
        GRANT_FROM_ENV
    grant_file = os.path.join(str(tmp_path), "exported.access")
    with open(grant_file, "w", encoding="utf-8") as handle:
        handle.write(GRANT_FROM_ENV + "\n")  # as `uplink access export` writes it
    assert find_access(environ=_env(directory, UPLINK_ACCESS=grant_file)).grant == GRANT_FROM_ENV
    assert find_access(grant_file, environ=_env(directory)).grant == GRANT_FROM_ENV


def test_config_ini_access_key_names_the_access(tmp_path: object) -> None:
    directory = _config_dir(tmp_path)
    with open(os.path.join(directory, "config.ini"), "w", encoding="utf-8") as handle:
        handle.write("[metrics]\naddr =\n")
    assert find_access(environ=_env(directory)).grant == GRANT_A
    with open(os.path.join(directory, "config.ini"), "w", encoding="utf-8") as handle:
        # top-level keys come before any [section]; a sectioned "access" is not it.
        handle.write("# written by hand\naccess = backup\n\n[other]\naccess = main\n")
    assert find_access(environ=_env(directory)).grant == GRANT_B


def test_a_missing_name_lists_the_saved_ones(tmp_path: object) -> None:
    directory = _config_dir(tmp_path)
    with pytest.raises(NoAccessError) as caught:
        find_access("nope", environ=_env(directory))
    assert "'nope'" in str(caught.value) and "backup, main" in str(caught.value)
    assert GRANT_A not in str(caught.value) and GRANT_B not in str(caught.value)


def test_a_partial_triple_names_what_is_missing_and_never_the_secrets(tmp_path: object) -> None:
    with pytest.raises(NoAccessError) as caught:
        find_access(environ=_env(str(tmp_path), STORJ_SATELLITE="id@sat:7777",
                                 STORJ_API_KEY="secret-api-key"))
    text = str(caught.value)
    assert "STORJ_PASSPHRASE missing" in text
    assert "secret-api-key" not in text and "secret-api-key" not in repr(caught.value)


def test_nothing_found_says_where_it_looked(tmp_path: object) -> None:
    with pytest.raises(NoAccessError) as caught:
        find_access(environ=_env(str(tmp_path)))
    error = caught.value
    assert isinstance(error, StorjException) and isinstance(error, LookupError)
    assert error.message == "no access grant found"
    for place in ("STORJ_ACCESS", "STORJ_SATELLITE", "UPLINK_ACCESS",
                  os.path.join(str(tmp_path), "access.json")):
        assert place in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is NoAccessError and str(copy) == str(error)


def test_default_access_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: object) -> None:
    directory = _config_dir(tmp_path)
    for name in ("STORJ_ACCESS", "STORJ_SATELLITE", "STORJ_API_KEY", "STORJ_PASSPHRASE",
                 "UPLINK_ACCESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UPLINK_CONFIG_DIR", directory)
    assert credentials.find_access().grant == GRANT_A


def test_an_old_file_with_the_grant_as_default_still_works(tmp_path: object) -> None:
    # Older CLIs wrote the grant itself as Default; the Go CLI reads it as access "main".
    directory = _config_dir(tmp_path, '{"Default": "%s", "Accesses": {}}' % GRANT_A)
    source = find_access(environ=_env(directory))
    assert source.grant == GRANT_A and GRANT_A not in source.origin


def test_a_default_name_that_is_not_saved_is_an_error(tmp_path: object) -> None:
    directory = _config_dir(tmp_path, '{"Default": "gone", "Accesses": {"main": "%s"}}' % GRANT_A)
    with pytest.raises(NoAccessError, match="no access named 'gone'"):
        find_access(environ=_env(directory))
