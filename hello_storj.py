#!/usr/bin/env python3
"""hello_storj: a tour of uplink_python against a Storj satellite.

It lists the project's buckets, makes a bucket, uploads a file, downloads it
and checks it byte for byte, lists the bucket, shares a read-only access to it
and reads the file through that share, then deletes what it created.

Credentials come from the command line (--access, or --satellite, --api-key
and --passphrase), else from uplink_python.default_access(): STORJ_ACCESS,
then STORJ_SATELLITE/STORJ_API_KEY/STORJ_PASSPHRASE, then the access saved
by the uplink CLI (or by `uplink-py access import`). scripts/demo.sh sets
STORJ_ACCESS to the local test network's grant. Exits 0 on success, 1 on
any failure.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import secrets
import sys
import tempfile
from typing import Dict, List, Optional

from uplink_python import (Access, BucketNotEmptyError, ListObjectsOptions, Permission,
                           SharePrefix, StorjException, Uplink, default_access)


def parse_arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    """The command line; credentials not given here are found by default_access()."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--access", help="access name, serialized grant or file holding one "
                                         "(default: found as the module docstring says)")
    parser.add_argument("--satellite", help="satellite address, <node id>@<host>:<port>")
    parser.add_argument("--api-key", help="API key of the project")
    parser.add_argument("--passphrase", help="encryption passphrase")
    parser.add_argument("--bucket", default=f"hello-storj-{secrets.token_hex(4)}",
                        help="bucket to create and delete (default: a new random name)")
    parser.add_argument("--file", help="file to upload (default: 1 MiB of random bytes)")
    args = parser.parse_args(argv)
    given = [name for name in ("satellite", "api_key", "passphrase") if getattr(args, name)]
    if given and len(given) < 3:
        missing = sorted({"satellite", "api_key", "passphrase"} - set(given))
        parser.error("missing --" + ", --".join(m.replace("_", "-") for m in missing)
                     + ": give all three, or none and let default_access() find an access")
    return args


def open_access(uplink: Uplink, args: argparse.Namespace) -> Access:
    """The access of the command line's satellite, API key and passphrase, else default_access()."""
    if args.satellite:
        return uplink.request_access_with_passphrase(args.satellite, args.api_key,
                                                     args.passphrase)
    return default_access(args.access, uplink=uplink)


def sha256_of(path: str) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run(args: argparse.Namespace, workdir: str) -> None:
    """The tour itself; raises StorjException or RuntimeError on failure."""
    source = args.file
    if source is None:
        source = os.path.join(workdir, "hello.bin")
        with open(source, "wb") as handle:
            handle.write(os.urandom(1 << 20))
    key = "hello/" + os.path.basename(source)
    destination = os.path.join(workdir, "downloaded.bin")
    bucket = args.bucket

    uplink = Uplink()
    print("Opening the access grant...")
    with open_access(uplink, args) as access, \
            access.open_project() as project:
        print("Buckets in the project:")
        for found in project.list_buckets():
            created = datetime.datetime.fromtimestamp(found.created)
            print(f"  {found.name}  (created {created:%Y-%m-%d %H:%M})")

        print(f"Making sure bucket '{bucket}' exists...")
        project.ensure_bucket(bucket)

        print(f"Uploading {source} as {bucket}/{key}...")
        with open(source, "rb") as handle, project.upload_object(bucket, key) as upload:
            upload.write_file(handle)
        size = project.stat_object(bucket, key).system.content_length
        print(f"  stored {size} bytes")

        print(f"Downloading it to {destination}...")
        with open(destination, "wb") as handle, \
                project.download_object(bucket, key) as download:
            download.read_file(handle)
        if sha256_of(destination) != sha256_of(source):
            raise RuntimeError("the downloaded file differs from the uploaded one")
        print("  the download matches the upload")

        print(f"Objects in '{bucket}':")
        for obj in project.list_objects(bucket, ListObjectsOptions(recursive=True, system=True)):
            print(f"  {obj.key}  {obj.system.content_length} bytes")

        print("Sharing a read-only access to the bucket...")
        permission = Permission(allow_list=True, allow_download=True)
        with access.share(permission, [SharePrefix(bucket=bucket, prefix="")]) as shared:
            serialized = shared.serialize()
        with uplink.parse_access(serialized) as reader_access, \
                reader_access.open_project() as reader:
            keys = [obj.key for obj in reader.list_objects(bucket,
                                                           ListObjectsOptions(recursive=True))]
            with reader.download_object(bucket, key) as download:
                shared_copy = download.readall()
        with open(source, "rb") as handle:
            if shared_copy != handle.read():
                raise RuntimeError("the shared access read different data")
        print(f"  the shared access lists {keys} and reads the same data")

        print("Cleaning up...")
        project.delete_object(bucket, key)
        try:
            project.delete_bucket(bucket)
            print(f"  deleted {bucket}/{key} and bucket '{bucket}'")
        except BucketNotEmptyError:
            print(f"  deleted {bucket}/{key}; bucket '{bucket}' holds other objects, kept")
    print("Done.")


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the tour; returns the process exit status."""
    args = parse_arguments(argv)
    with tempfile.TemporaryDirectory(prefix="hello-storj-") as workdir:
        try:
            run(args, workdir)
        except StorjException as exc:
            print(f"hello_storj failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        except (OSError, RuntimeError) as exc:
            print(f"hello_storj failed: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
