"""Finding an access grant the way the ``uplink`` command line tool does.

:func:`default_access` is the one place that programs, the sample and the
``uplink-py`` command line get their credentials from. In order:

1. an explicit ``name``: a serialized grant, a file holding one, or the name
   of an access saved by the ``uplink`` CLI (exactly what its ``--access``
   takes);
2. ``STORJ_ACCESS``: a serialized grant (or a file holding one);
3. ``STORJ_SATELLITE``, ``STORJ_API_KEY`` and ``STORJ_PASSPHRASE`` together:
   a grant is requested from the satellite;
4. the ``uplink`` CLI's own configuration: ``UPLINK_ACCESS`` (a name, grant or
   file, as the CLI reads it), the ``access`` key of its ``config.ini``, then
   the default access of its ``access.json``.

The configuration directory is the CLI's: ``UPLINK_CONFIG_DIR`` when set,
else ``$XDG_CONFIG_HOME/storj/uplink`` (``~/.config/storj/uplink``) on Linux
and other Unixes, ``~/Library/Application Support/Storj/Uplink`` on macOS and
``%AppData%\\Storj\\Uplink`` on Windows. ``access.json`` is the file the CLI
writes (``{"Default": name, "Accesses": {name: grant}}``); this module reads
and writes it in the same format, so both tools share their accesses.

Grants, API keys and passphrases are secrets: nothing here puts them in an
exception, a log record or a repr.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Dict, Mapping, NamedTuple, Optional, Tuple

from .access import Access
from .errors import NoAccessError
from .module_classes import Config
from .uplink import Uplink

__all__ = ["AccessInfo", "AccessSource", "default_access", "find_access", "load_access_info",
           "save_access_info", "uplink_config_dir", "ENV_ACCESS", "ENV_SATELLITE",
           "ENV_API_KEY", "ENV_PASSPHRASE", "ENV_UPLINK_ACCESS", "ENV_UPLINK_CONFIG_DIR"]

ENV_ACCESS = "STORJ_ACCESS"
ENV_SATELLITE = "STORJ_SATELLITE"
ENV_API_KEY = "STORJ_API_KEY"
ENV_PASSPHRASE = "STORJ_PASSPHRASE"
# The Go CLI reads every flag from UPLINK_<FLAG> when it is not on the command line.
ENV_UPLINK_ACCESS = "UPLINK_ACCESS"
ENV_UPLINK_CONFIG_DIR = "UPLINK_CONFIG_DIR"

ACCESS_FILE = "access.json"
CONFIG_FILE = "config.ini"

_log = logging.getLogger("uplink_python")


class AccessInfo(NamedTuple):
    """The content of the CLI's access.json: the default access's name and every
    saved access by name. ``repr()`` names the accesses and never shows a grant."""

    default: str
    accesses: Dict[str, str]

    def __repr__(self) -> str:
        return f"AccessInfo(default={self.default!r}, accesses={sorted(self.accesses)!r})"


class AccessSource(NamedTuple):
    """Where :func:`find_access` found credentials: ``origin`` says where (never the
    secret itself); ``grant`` is a serialized grant, or None when ``request`` holds
    (satellite, api_key, passphrase) to ask the satellite with."""

    origin: str
    grant: Optional[str] = None
    request: Optional[Tuple[str, str, str]] = None

    def __repr__(self) -> str:
        return f"AccessSource(origin={self.origin!r})"


def uplink_config_dir(environ: Optional[Mapping[str, str]] = None,
                      platform: Optional[str] = None) -> str:
    """Returns the ``uplink`` CLI's configuration directory on this system (see the
    module docstring); it may not exist."""
    env = os.environ if environ is None else environ
    override = env.get(ENV_UPLINK_CONFIG_DIR)
    if override:
        return override
    platform = sys.platform if platform is None else platform
    home = env.get("HOME", "")
    if platform == "win32":
        base = next((env[name] for name in ("AppData", "AppDataLocal", "UserProfile", "Home")
                     if env.get(name)), "")
        return os.path.join(base, "Storj", "Uplink")
    if platform == "darwin":
        return os.path.join(home, "Library", "Application Support", "Storj", "Uplink")
    base = env.get("XDG_CONFIG_HOME") or (os.path.join(home, ".config") if home else "")
    return os.path.join(base, "storj", "uplink")


def load_access_info(config_dir: Optional[str] = None) -> Optional[AccessInfo]:
    """Reads the CLI's access.json; returns None when there is none.

    Raises ValueError naming the file when it is not valid JSON of that format.
    """
    path = os.path.join(config_dir or uplink_config_dir(), ACCESS_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        # The decoder's message carries a position, never the file's content.
        raise ValueError(f"{path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    # Go decodes field names case-insensitively and takes null as empty.
    fields = {str(k).lower(): v for k, v in data.items()} if isinstance(data, dict) else None
    if fields is None:
        raise ValueError(f"{path} must hold a JSON object with Default and Accesses")
    default = fields.get("default") or ""
    accesses = fields.get("accesses") or {}
    if not isinstance(default, str) or not isinstance(accesses, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in accesses.items()):
        raise ValueError(f"{path}: Default must be a string and Accesses a map of names "
                         "to serialized grants")
    return AccessInfo(default, dict(accesses))


def save_access_info(info: AccessInfo, config_dir: Optional[str] = None) -> str:
    """Writes access.json as the Go CLI does (tab-indented JSON, mode 0600; the
    directory is made when missing). Returns the file's path."""
    directory = config_dir or uplink_config_dir()
    os.makedirs(directory, mode=0o755, exist_ok=True)
    path = os.path.join(directory, ACCESS_FILE)
    # Go's encoding/json sorts map keys; struct fields keep their order.
    text = json.dumps({"Default": info.default, "Accesses": dict(sorted(info.accesses.items()))},
                      indent="\t")
    temporary = path + ".tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def _config_ini_access(config_dir: str) -> Optional[str]:
    """The top-level ``access`` key of the CLI's config.ini (the last one wins), if any."""
    path = os.path.join(config_dir, CONFIG_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return None
    value = None
    section = ""
    for raw in lines:
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        key, sep, rest = line.partition("=")
        if sep and not section and key.strip() == "access":
            value = rest.strip()
    return value or None


def _looks_like_grant(text: str) -> bool:
    # Serialized grants are long base58 strings; names and paths are not.
    return len(text) >= 50 and text.isalnum()


def _shown(text: str) -> str:
    # A long text may be a damaged grant: a secret never goes into a message.
    return repr(text) if len(text) <= 40 else f"<{len(text)} characters>"


def _looks_like_path(text: str) -> bool:
    return os.sep in text or "/" in text or text.startswith(("~", "."))


def _not_grant(text: str) -> str:
    """What else the text given for an access is not: a grant or an existing file."""
    if not text:
        return ""
    if _looks_like_path(text):
        return f"; and file {text!r} does not exist"
    return "; nor is it a serialized access grant (malformed grant) or a file"


def _describe(description: str, origin: str, config_dir: str) -> AccessSource:
    """Resolves what the CLI's --access takes: a grant, a file holding one, or a saved
    access's name (the default access when empty)."""
    text = description.strip()
    if text and _looks_like_grant(text):
        return AccessSource(origin, grant=text)
    if text and os.path.isfile(text):
        with open(text, encoding="utf-8") as handle:
            return AccessSource(f"{origin} (file {text})", grant=handle.read().strip())
    info = load_access_info(config_dir)
    if info is None:
        if text and _looks_like_path(text):
            # Base58 grants hold no "/", so a path is shown whole.
            raise NoAccessError(f"{origin}: file {text!r} does not exist")
        if text:
            raise NoAccessError(f"{origin}: {_shown(text)} is a malformed grant (not a "
                                "serialized access grant), not a file, and there is no "
                                f"{os.path.join(config_dir, ACCESS_FILE)} to name an access")
        raise NoAccessError(f"{origin} names access {text!r}, but there is no "
                            f"{os.path.join(config_dir, ACCESS_FILE)}")
    name = text or info.default
    if not text and name not in info.accesses and _looks_like_grant(name):
        # Older CLIs saved the default grant itself as "Default"; the Go CLI moves it
        # to an access named "main" when it next loads the file.
        return AccessSource(f"{origin} (the default grant of "
                            f"{os.path.join(config_dir, ACCESS_FILE)})", grant=name)
    if name not in info.accesses:
        saved = ", ".join(sorted(info.accesses)) or "none"
        raise NoAccessError(f"{origin}: no access named {_shown(name)} in "
                            f"{os.path.join(config_dir, ACCESS_FILE)} (saved: {saved})"
                            f"{_not_grant(text)}")
    return AccessSource(f"{origin} (access {name!r} of {os.path.join(config_dir, ACCESS_FILE)})",
                        grant=info.accesses[name])


def find_access(name: Optional[str] = None, *, config_dir: Optional[str] = None,
                environ: Optional[Mapping[str, str]] = None) -> AccessSource:
    """Finds credentials without contacting a satellite (order: module docstring).

    Returns an AccessSource; raises NoAccessError saying where it looked, or
    naming the missing STORJ_* variables when only some are set.
    """
    env = os.environ if environ is None else environ
    directory = config_dir or uplink_config_dir(env)
    if name is not None:
        return _describe(name, "the access given", directory)
    if env.get(ENV_ACCESS):
        return _describe(env[ENV_ACCESS], ENV_ACCESS, directory)
    parts = (ENV_SATELLITE, ENV_API_KEY, ENV_PASSPHRASE)
    present = [var for var in parts if env.get(var)]
    if present:
        missing = [var for var in parts if not env.get(var)]
        if missing:
            raise NoAccessError(f"{', '.join(present)} set but {', '.join(missing)} missing: "
                                "set all three, or STORJ_ACCESS to a serialized grant")
        return AccessSource("STORJ_SATELLITE, STORJ_API_KEY and STORJ_PASSPHRASE",
                            request=(env[ENV_SATELLITE], env[ENV_API_KEY], env[ENV_PASSPHRASE]))
    if env.get(ENV_UPLINK_ACCESS):
        return _describe(env[ENV_UPLINK_ACCESS], ENV_UPLINK_ACCESS, directory)
    configured = _config_ini_access(directory)
    if configured:
        return _describe(configured, os.path.join(directory, CONFIG_FILE), directory)
    info = load_access_info(directory)
    if info is not None and info.default:
        return _describe("", "the uplink CLI's default access", directory)
    raise NoAccessError(
        "looked for STORJ_ACCESS, STORJ_SATELLITE/STORJ_API_KEY/"
        f"STORJ_PASSPHRASE, UPLINK_ACCESS and the uplink CLI's {os.path.join(directory, ACCESS_FILE)}"
        "; import one with 'uplink-py access import NAME GRANT'")


def default_access(name: Optional[str] = None, *, config_dir: Optional[str] = None,
                   config: Optional[Config] = None, uplink: Optional[Uplink] = None) -> Access:
    """Returns the Access found by :func:`find_access` (``name``: a grant, a file
    holding one, or a saved access's name).

    ``config`` is used when a grant must be requested from the satellite.
    Raises NoAccessError when none is found, StorjException when the grant is
    malformed or the satellite refuses it.
    """
    source = find_access(name, config_dir=config_dir)
    uplink = uplink or Uplink()
    _log.debug("access from %s", source.origin)
    if source.grant is not None:
        return uplink.parse_access(source.grant)
    assert source.request is not None
    return uplink.config_request_access_with_passphrase(config, *source.request)
