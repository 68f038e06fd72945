"""StorjFileSystem as an fsspec AsyncFileSystem: the coroutines inside a running
loop (``asynchronous=True``), bulk calls run concurrently, zarr v3 arrays and
xarray datasets on ``sj://`` through fsspec's async store, and open_async."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any, Iterator

import fsspec
import numpy
import pytest
import xarray
import zarr

from uplink_python._native import _async
from uplink_python.fs import StorjFileSystem

pytestmark = pytest.mark.usefixtures("leak_check")


@pytest.fixture
def sj_protocol() -> Iterator[None]:
    """The sj:// protocol, registered as the installed package's entry point does."""
    fsspec.register_implementation("sj", StorjFileSystem, clobber=True)
    yield
    StorjFileSystem.clear_instance_cache()
    gc.collect()


def test_asynchronous_inside_a_running_loop(testnet: Any, bucket: str) -> None:
    async def main() -> None:
        fs = StorjFileSystem(access=testnet.access, asynchronous=True, skip_instance_cache=True)
        try:
            await fs._pipe_file(f"{bucket}/a/one", b"1")
            await fs._pipe({f"{bucket}/a/{index}": str(index).encode() for index in range(20)})
            assert await fs._cat_file(f"{bucket}/a/one") == b"1"
            assert await fs._cat_file(f"{bucket}/a/7", start=-1) == b"7"
            cats = await fs._cat([f"{bucket}/a/{index}" for index in range(20)])
            assert cats == {f"{bucket}/a/{index}": str(index).encode() for index in range(20)}
            ranges = await fs._cat_ranges([f"{bucket}/a/one", f"{bucket}/a/1"], [0, 0], [1, 1])
            assert ranges == [b"1", b"1"]
            assert (await fs._info(f"{bucket}/a"))["type"] == "directory"
            assert len(await fs._find(bucket)) == 21
            assert await fs._exists(f"{bucket}/a/one")
            await fs._rm(f"{bucket}/a", recursive=True)
            assert not await fs._exists(f"{bucket}/a/one")
        finally:
            fs.close()

    asyncio.run(main())
    assert _async.native_count() == 0


def test_sync_bulk_cat_runs_concurrently(testnet: Any, bucket: str) -> None:
    fs = StorjFileSystem(access=testnet.access, skip_instance_cache=True)
    try:
        paths = [f"{bucket}/many/{index:03}" for index in range(64)]
        fs.pipe({path: path.encode() for path in paths})
        peak = [0]
        original = fs.aproject.get_object

        async def counting(*args: Any, **kwargs: Any) -> bytes:
            peak[0] = max(peak[0], _async.in_flight() + 1)
            return await original(*args, **kwargs)

        fs.aproject.get_object = counting  # type: ignore[method-assign]
        threads = threading.active_count()
        assert fs.cat(paths) == {path: path.encode() for path in paths}
        assert peak[0] > 8, "fs.cat of many paths fetched them one after another"
        assert threading.active_count() <= threads + 1
    finally:
        fs.close()


def test_zarr_v3_array_round_trip(testnet: Any, bucket: str, sj_protocol: None) -> None:
    url = f"sj://{bucket}/arrays/a.zarr"
    options = {"access": testnet.access}
    data = numpy.arange(10_000, dtype="int32").reshape(100, 100)
    array = zarr.open_array(url, mode="w", shape=data.shape, chunks=(25, 25), dtype="int32",
                            storage_options=options)
    array[:] = data
    again = zarr.open_array(url, mode="r", storage_options=options)
    assert numpy.array_equal(again[:], data)
    assert numpy.array_equal(again[10:20, 40:60], data[10:20, 40:60])
    fs = StorjFileSystem(access=testnet.access, skip_instance_cache=True)
    try:
        assert len(fs.find(f"{bucket}/arrays/a.zarr")) >= 16   # 16 chunks and metadata
    finally:
        fs.close()


def test_xarray_dataset_round_trip_through_zarr(testnet: Any, bucket: str,
                                               sj_protocol: None) -> None:
    """An xarray Dataset written to sj:// as zarr v3 and opened again, lazily, with
    a selection read back."""
    url = f"sj://{bucket}/datasets/weather.zarr"
    options = {"access": testnet.access}
    times = numpy.arange("2026-01-01", "2026-01-31", dtype="datetime64[D]")
    temperature = numpy.random.default_rng(7).normal(10, 5, (len(times), 20, 30))
    dataset = xarray.Dataset(
        {"temperature": (("time", "y", "x"), temperature, {"units": "degC"})},
        coords={"time": times, "y": numpy.arange(20), "x": numpy.arange(30)})
    dataset.chunk({"time": 10}).to_zarr(url, mode="w", storage_options=options,
                                        zarr_format=3, consolidated=False)
    with xarray.open_zarr(url, storage_options=options, consolidated=False) as again:
        assert again["temperature"].attrs["units"] == "degC"
        assert numpy.array_equal(again["time"].values, times)
        picked = again["temperature"].sel(time="2026-01-15", y=slice(5, 9)).values
        assert numpy.array_equal(picked, temperature[14, 5:10, :])
        xarray.testing.assert_identical(again.load(), dataset)


def test_open_async_reads_writes_and_aborts(testnet: Any, bucket: str) -> None:
    """fs.open_async: fsspec's async streamed file, on the objects AsyncProject.open
    gives; writes are stored at close (in parts), a block that raises stores
    nothing, "xb" refuses an existing key, errors are OSErrors."""
    data = bytes(range(256)) * 40_000   # 10 MB: two 5 MiB parts and a rest

    async def main() -> None:
        fs = StorjFileSystem(access=testnet.access, asynchronous=True, skip_instance_cache=True,
                             part_size=5 * 1024 * 1024)
        path = f"{bucket}/open-async/big"
        try:
            async with await fs.open_async(path, "wb", custom_metadata={"k": "v"}) as out:
                for at in range(0, len(data), 1_000_000):
                    assert await out.write(data[at:at + 1_000_000]) == len(data[at:at + 1_000_000])
                assert out.tell() == len(data)
            info = await fs._info(path)
            assert info["size"] == len(data) and info["metadata"] == {"k": "v"}

            async with await fs.open_async(path) as file:
                assert file.size == len(data)
                assert await file.read(10) == data[:10]
                file.seek(-5, 2)
                assert await file.read() == data[-5:]
                file.seek(1_000_000)
                assert await file.read(3) == data[1_000_000:1_000_003]
                assert file.tell() == 1_000_003
                with pytest.raises(ValueError, match="not in write mode"):
                    await file.write(b"x")
            with pytest.raises(ValueError, match="closed"):
                await file.read()

            class Failure(Exception):
                pass

            with pytest.raises(Failure):
                async with await fs.open_async(f"{bucket}/open-async/failed", "wb") as out:
                    await out.write(data)
                    raise Failure()
            assert not await fs._exists(f"{bucket}/open-async/failed")

            exclusive = await fs.open_async(path, "xb")
            await exclusive.write(b"other")
            with pytest.raises(FileExistsError):
                await exclusive.close()
            assert (await fs._info(path))["size"] == len(data)

            with pytest.raises(FileNotFoundError):
                await fs.open_async(f"{bucket}/open-async/missing")
            with pytest.raises(ValueError, match="mode"):
                await fs.open_async(path, "r")
        finally:
            fs.close()

    asyncio.run(main())
    assert _async.native_count() == 0
