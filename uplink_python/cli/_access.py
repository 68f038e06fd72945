"""uplink-py share and access: restricted grants and the saved accesses."""

from __future__ import annotations

import argparse
import datetime
import os

from .. import credentials, edge
from ..errors import StorjException
from ..access import Access
from ..module_classes import EdgeConfig, EdgeCredentials, Permission, SharePrefix
from ._base import EXIT_OK, format_time, open_access, print_json, remote, say, table
from ._select import Failed, UsageError

DEFAULT_AUTH_SERVICE = "https://auth.storjshare.io"
DEFAULT_BASE_URL = "https://link.storjshare.io"
# The auth service's DRPC port when its URL names none (as the uplink CLI assumes).
AUTH_SERVICE_PORT = 7777
# How long share --register waits for the auth service to answer a connection.
AUTH_CONNECT_TIMEOUT = 10.0


def _unix_time(text: str) -> int:
    """Parses --not-before/--not-after: ISO 8601, +DURATION (e.g. +2h, +30m, +7d) or unix."""
    value = text.strip()
    if value.startswith("+"):
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        if len(value) < 3 or value[-1] not in units or not value[1:-1].isdigit():
            raise argparse.ArgumentTypeError(f"{text!r}: use +NUMBER followed by s, m, h or d")
        now = datetime.datetime.now(datetime.timezone.utc).timestamp()
        return int(now) + int(value[1:-1]) * units[value[-1]]
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a time as 2030-01-31T12:00:00Z, +24h or unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return int(moment.timestamp())


def _edge_config(address: str) -> EdgeConfig:
    """The EdgeConfig of an auth service given as https://host[:port], http://host:port
    (unencrypted, for local services) or host:port."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "https", address
    host = rest.rstrip("/")
    if ":" not in host.rsplit("]", 1)[-1]:
        host = f"{host}:{AUTH_SERVICE_PORT}"
    if scheme not in ("http", "https"):
        raise UsageError(f"--auth-service {address!r}: use https://HOST[:PORT] or http://HOST:PORT")
    return EdgeConfig(host, insecure_unencrypted_connection=scheme == "http")


def _mode(config: EdgeConfig) -> str:
    return ("unencrypted DRPC (http://)" if config.insecure_unencrypted_connection
            else "DRPC over TLS (https://)")


def _register(config: EdgeConfig, shared: Access, is_public: bool) -> EdgeCredentials:
    """Registers a grant; a service that does not answer fails within
    AUTH_CONNECT_TIMEOUT (the dial bound of the registration), and every failure
    names the address and scheme tried."""
    hint = ("the auth service's DRPC port is 7777 on auth.storjshare.io; give a local "
            "service as http://HOST:PORT")
    bounded = EdgeConfig(config.auth_service_address, config.certificate_pem,
                         config.insecure_unencrypted_connection,
                         dial_timeout_milliseconds=int(AUTH_CONNECT_TIMEOUT * 1000))
    try:
        return edge.register_access(bounded, shared, is_public=is_public)
    except StorjException as exc:
        text = str(exc)
        if not text.startswith("register access failed"):
            text = f"register access failed: {text}"
        raise Failed(f"{text} (tried {config.auth_service_address} with {_mode(config)}; "
                     f"{hint})") from None


def cmd_share(args: argparse.Namespace) -> int:
    """share: prints a restricted access grant (and optionally a linkshare URL)."""
    prefixes = [remote(text) for text in args.prefixes]
    permission = Permission(allow_download=not args.writeonly, allow_list=not args.writeonly,
                            allow_upload=not args.readonly, allow_delete=not args.readonly,
                            not_before=args.not_before or 0, not_after=args.not_after or 0)
    register = args.register or args.url or args.public
    config = _edge_config(args.auth_service) if register else None
    with open_access(args) as access:
        shares = [SharePrefix(bucket=loc.bucket, prefix=loc.key) for loc in prefixes]
        with access.share(permission, shares) as shared:
            grant = shared.serialize()
            credentials_ = (_register(config, shared, args.url or args.public)
                            if config is not None else None)
    say(f"Sharing access to satellite {access_satellite_host(grant)}")
    say("=========== ACCESS RESTRICTIONS ==========================================")
    say(f"Download  : {'Allowed' if permission.allow_download else 'Disallowed'}")
    say(f"Upload    : {'Allowed' if permission.allow_upload else 'Disallowed'}")
    say(f"Lists     : {'Allowed' if permission.allow_list else 'Disallowed'}")
    say(f"Deletes   : {'Allowed' if permission.allow_delete else 'Disallowed'}")
    say(f"NotBefore : {format_time(args, permission.not_before) or 'No restriction'}")
    say(f"NotAfter  : {format_time(args, permission.not_after) or 'No restriction'}")
    say(f"Paths     : {', '.join(str(loc) for loc in prefixes)}")
    say("=========== SERIALIZED ACCESS WITH THE ABOVE RESTRICTIONS TO SHARE WITH OTHERS ===")
    say(f"Access    : {grant}")
    if credentials_ is not None:
        say("========== GATEWAY CREDENTIALS ===========================================")
        say(f"Access Key ID: {credentials_.access_key_id}")
        say(f"Secret Key   : {credentials_.secret_key}")
        say(f"Endpoint     : {credentials_.endpoint}")
        if args.url:
            for loc in prefixes:
                url = edge.join_share_url(args.base_url, credentials_.access_key_id,
                                          loc.bucket, loc.key)
                say(f"Public URL   : {url}")
    if args.export_to:
        with open(args.export_to, "x", encoding="utf-8") as handle:
            handle.write(grant + "\n")
        os.chmod(args.export_to, 0o600)
        say(f"Exported access to: {os.path.abspath(args.export_to)}")
    return EXIT_OK


def access_satellite_host(grant: str) -> str:
    """The host:port of a grant's satellite (its node id left out, as the uplink CLI shows it)."""
    from ..uplink import Uplink  # pylint: disable=import-outside-toplevel
    access = Uplink().parse_access(grant)
    with access:
        return access.satellite_address().rsplit("@", 1)[-1]


def cmd_access_import(args: argparse.Namespace) -> int:
    """access import: saves a grant (or a file holding one) under a name."""
    from ..uplink import Uplink  # pylint: disable=import-outside-toplevel
    directory = args.config_dir or credentials.uplink_config_dir()
    text = args.grant
    if os.path.isfile(text):
        with open(text, encoding="utf-8") as handle:
            text = handle.read().strip()
    with Uplink().parse_access(text):
        pass  # only checks that the grant parses
    info = credentials.load_access_info(directory) or credentials.AccessInfo("", {})
    if args.name in info.accesses and not args.force:
        raise Failed(f"access {args.name!r} already exists: use --force to overwrite it")
    accesses = dict(info.accesses, **{args.name: text})
    default = args.name if args.use or not info.default else info.default
    path = credentials.save_access_info(credentials.AccessInfo(default, accesses), directory)
    say(f"Imported access {args.name!r} to {path!r}")
    return EXIT_OK


def cmd_access_list(args: argparse.Namespace) -> int:
    """access list: the saved accesses, without their grants."""
    info = credentials.load_access_info(args.config_dir)
    if info is None:
        raise Failed("no accesses saved: use 'uplink-py access import NAME GRANT'")
    rows = []
    for name in sorted(info.accesses):
        try:
            host = access_satellite_host(info.accesses[name])
        except StorjException:
            host = "<access parse error>"
        if args.json:
            print_json({"name": name, "default": name == info.default, "satellite": host})
        rows.append(("*" if name == info.default else "", name, host))
    if not args.json:
        table(rows, ("CURRENT", "NAME", "SATELLITE"))
    return EXIT_OK


def cmd_access_use(args: argparse.Namespace) -> int:
    """access use: makes a saved access the default."""
    info = credentials.load_access_info(args.config_dir)
    if info is None or args.name not in info.accesses:
        raise Failed(f"access {args.name!r} does not exist: see 'uplink-py access list'")
    credentials.save_access_info(credentials.AccessInfo(args.name, info.accesses),
                                 args.config_dir)
    say(f"Switched default access to {args.name!r}")
    return EXIT_OK


def cmd_access_remove(args: argparse.Namespace) -> int:
    """access remove: forgets a saved access."""
    info = credentials.load_access_info(args.config_dir)
    if info is None or args.name not in info.accesses:
        raise Failed(f"access {args.name!r} does not exist: see 'uplink-py access list'")
    if args.name == info.default and not args.force:
        raise Failed(f"access {args.name!r} is the default: use --force to remove it")
    accesses = {k: v for k, v in info.accesses.items() if k != args.name}
    default = "" if args.name == info.default else info.default
    credentials.save_access_info(credentials.AccessInfo(default, accesses), args.config_dir)
    say(f"Removed access {args.name!r}")
    return EXIT_OK


def cmd_access_inspect(args: argparse.Namespace) -> int:
    """access inspect: where an access comes from and its satellite; never the grant."""
    source = credentials.find_access(args.name, config_dir=args.config_dir)
    record = {"origin": source.origin}
    if source.grant is not None:
        from ..uplink import Uplink  # pylint: disable=import-outside-toplevel
        with Uplink().parse_access(source.grant) as access:
            record["satellite_address"] = access.satellite_address()
        record["grant"] = f"<hidden, {len(source.grant)} characters>"
    else:
        assert source.request is not None
        record["satellite_address"] = source.request[0]
        record["api_key"] = "<hidden>"
        record["passphrase"] = "<hidden>"
    if args.json:
        print_json(record)
    else:
        for key, value in record.items():
            say(f"{key:<18}: {value}")
    return EXIT_OK


