"""The data layer through its real code paths: download, verification, cache, split, batches.

Everything runs on the synthetic archive (official layout, learnable content) from
conftest.py; downloads come from a local HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import tarfile
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import mlp_cifar.data.source as source
from mlp_cifar.data.archive import (
    ARCHIVE_DIR,
    IMAGES_PER_BATCH,
    OFFICIAL_MD5,
    PIXELS,
    TEST_BATCH,
    TRAIN_BATCHES,
    ArchiveError,
    download_archive,
    md5_of,
    read_batches,
)
from mlp_cifar.data.cache import CifarArrays, build_cache, load_cache
from mlp_cifar.data.dataset import MEAN, N_VAL, STD, epoch_batches, make_splits, normalise, split_indices
from mlp_cifar.data.fingerprint import remembered_md5
from mlp_cifar.data.source import CACHE_NAME, load_arrays
from mlp_cifar.data.synthetic import main as synthetic_main
from mlp_cifar.data.synthetic import write_synthetic_archive


def files_in(directory: Path) -> list[str]:
    """Names of everything in ``directory`` (temp files included); [] if it does not exist."""
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.fixture(scope="module")
def pickled_batches(synthetic_archive: Path) -> dict[str, dict]:
    """The full-size archive's batches read with plain tarfile + pickle, independently of the package."""
    return read_pickles(synthetic_archive)


def read_pickles(archive: Path) -> dict[str, dict]:
    """An archive's batches read with plain tarfile + pickle, independently of the package."""
    out = {}
    with tarfile.open(archive, "r:gz") as tar:
        for name in (*TRAIN_BATCHES, TEST_BATCH, "batches.meta"):
            with tar.extractfile(f"{ARCHIVE_DIR}/{name}") as f:
                out[name] = pickle.load(f, encoding="bytes")
    return out


# --------------------------------------------------------------------------- synthetic archive


def test_synthetic_archive_has_official_layout(synthetic_archive: Path, pickled_batches: dict) -> None:
    with tarfile.open(synthetic_archive, "r:gz") as tar:
        names = set(tar.getnames())
        raw = tar.extractfile(f"{ARCHIVE_DIR}/data_batch_1").read()
    assert names == {ARCHIVE_DIR, *(f"{ARCHIVE_DIR}/{n}" for n in (*TRAIN_BATCHES, TEST_BATCH, "batches.meta"))}
    assert raw[:2] == b"\x80\x02"  # pickle protocol 2
    for i, name in enumerate(TRAIN_BATCHES, start=1):
        entry = pickled_batches[name]
        assert set(entry) == {b"batch_label", b"labels", b"data", b"filenames"}
        assert entry[b"batch_label"] == f"training batch {i} of 5".encode()
        assert entry[b"data"].dtype == np.uint8 and entry[b"data"].shape == (IMAGES_PER_BATCH, PIXELS)
        assert isinstance(entry[b"labels"], list) and len(entry[b"labels"]) == IMAGES_PER_BATCH
        assert all(type(v) is int for v in entry[b"labels"][:100])
        assert len(entry[b"filenames"]) == IMAGES_PER_BATCH and isinstance(entry[b"filenames"][0], bytes)
    assert pickled_batches[TEST_BATCH][b"batch_label"] == b"testing batch 1 of 1"
    assert np.bincount(pickled_batches[TEST_BATCH][b"labels"]).tolist() == [1000] * 10
    meta = pickled_batches["batches.meta"]
    assert meta[b"label_names"][:2] == [b"airplane", b"automobile"] and len(meta[b"label_names"]) == 10
    assert meta[b"num_cases_per_batch"] == IMAGES_PER_BATCH


def test_synthetic_archive_is_learnable(pickled_batches: dict) -> None:
    """A nearest-class-mean classifier fit on one training batch beats chance (10%) by far."""
    x = pickled_batches["data_batch_1"][b"data"].astype(np.float32)
    y = np.asarray(pickled_batches["data_batch_1"][b"labels"])
    means = np.stack([x[y == c].mean(axis=0) for c in range(10)])
    x_test = pickled_batches[TEST_BATCH][b"data"].astype(np.float32)
    y_test = np.asarray(pickled_batches[TEST_BATCH][b"labels"])
    scores = 2 * x_test @ means.T - (means**2).sum(axis=1)
    accuracy = (scores.argmax(axis=1) == y_test).mean()
    assert accuracy > 0.8


def test_synthetic_cli_is_deterministic(tmp_path: Path, small_synthetic_archive: Path, capsys) -> None:
    out = tmp_path / "again.tar.gz"
    synthetic_main([str(out), "--seed", "0", "--images-per-batch", "1000"])  # as the small_synthetic_archive
    md5 = md5_of(small_synthetic_archive)
    assert md5_of(out) == md5
    assert md5 in capsys.readouterr().out
    assert files_in(tmp_path) == ["again.tar.gz"]


# --------------------------------------------------------------------------- download


@pytest.fixture(scope="module")
def archive_bytes(synthetic_archive: Path) -> bytes:
    return synthetic_archive.read_bytes()


@pytest.fixture
def http_server():
    """A local HTTP server; tests put handlers in ``.routes`` (path -> fn(handler)) and read ``.hits``."""
    routes: dict = {}
    hits: Counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits[self.path] += 1
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
            else:
                route(self)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield SimpleNamespace(routes=routes, hits=hits, url=lambda path: f"http://127.0.0.1:{port}{path}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def send_all(payload: bytes):
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/gzip")
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

    return handle


def send_truncated(payload: bytes):
    """Announce the whole payload, send half of it, close the connection."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload[: len(payload) // 2])
        h.wfile.flush()
        h.close_connection = True

    return handle


def send_truncated_chunked(payload: bytes):
    """Chunked transfer encoding, cut off inside a chunk (urllib raises IncompleteRead)."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.protocol_version = "HTTP/1.1"
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.write(b"%x\r\n" % len(payload) + payload[: len(payload) // 2])
        h.wfile.flush()
        h.close_connection = True

    return handle


def test_download_success(http_server, archive_bytes: bytes, synthetic_md5: str, tmp_path: Path) -> None:
    http_server.routes["/cifar.tar.gz"] = send_all(archive_bytes)
    dest = tmp_path / "data" / "cifar-10-python.tar.gz"
    got = download_archive(dest, url=http_server.url("/cifar.tar.gz"), md5=synthetic_md5, backoff_s=0, timeout_s=10)
    assert got == dest
    assert md5_of(dest) == synthetic_md5
    assert files_in(dest.parent) == [dest.name]  # no .part left over
    assert http_server.hits["/cifar.tar.gz"] == 1


def test_download_wrong_md5_is_not_retried_and_writes_nothing(
    http_server, archive_bytes: bytes, synthetic_md5: str, tmp_path: Path
) -> None:
    http_server.routes["/cifar.tar.gz"] = send_all(archive_bytes)
    dest = tmp_path / "data" / "cifar-10-python.tar.gz"
    with pytest.raises(ArchiveError) as err:
        download_archive(dest, url=http_server.url("/cifar.tar.gz"), md5=OFFICIAL_MD5, backoff_s=0, timeout_s=10)
    assert synthetic_md5 in str(err.value) and OFFICIAL_MD5 in str(err.value)
    assert not dest.exists()
    assert files_in(dest.parent) == []
    assert http_server.hits["/cifar.tar.gz"] == 1


@pytest.mark.parametrize("handler", [send_truncated, send_truncated_chunked], ids=["content-length", "chunked"])
def test_download_broken_connection_is_retried_then_fails(
    http_server, archive_bytes: bytes, synthetic_md5: str, tmp_path: Path, handler
) -> None:
    http_server.routes["/cifar.tar.gz"] = handler(archive_bytes)
    dest = tmp_path / "data" / "cifar-10-python.tar.gz"
    with pytest.raises(ArchiveError) as err:
        download_archive(
            dest, url=http_server.url("/cifar.tar.gz"), md5=synthetic_md5, retries=3, backoff_s=0, timeout_s=10
        )
    assert "after 3 attempts" in str(err.value) and "cifar10_archive" in str(err.value)
    assert http_server.hits["/cifar.tar.gz"] == 3
    assert not dest.exists()
    assert files_in(dest.parent) == []


def test_download_recovers_when_a_retry_succeeds(
    http_server, archive_bytes: bytes, synthetic_md5: str, tmp_path: Path
) -> None:
    broken, good = send_truncated(archive_bytes), send_all(archive_bytes)
    http_server.routes["/cifar.tar.gz"] = lambda h: (broken if http_server.hits["/cifar.tar.gz"] == 1 else good)(h)
    dest = tmp_path / "cifar-10-python.tar.gz"
    download_archive(dest, url=http_server.url("/cifar.tar.gz"), md5=synthetic_md5, backoff_s=0, timeout_s=10)
    assert md5_of(dest) == synthetic_md5
    assert http_server.hits["/cifar.tar.gz"] == 2
    assert files_in(tmp_path) == [dest.name]


# --------------------------------------------------------------------------- verification and conversion


def assert_build_fails(archive: Path, cache_dir: Path, *fragments: str) -> None:
    """build_cache raises ArchiveError naming ``archive`` and every fragment; nothing is written."""
    cache_dir.mkdir(exist_ok=True)
    with pytest.raises(ArchiveError) as err:
        build_cache(archive, cache_dir / CACHE_NAME)
    message = str(err.value)
    assert str(archive) in message
    for fragment in fragments:
        assert fragment in message
    assert files_in(cache_dir) == []


def test_truncated_archive_is_rejected(small_synthetic_archive: Path, tmp_path: Path) -> None:
    bad = tmp_path / "truncated.tar.gz"
    data = small_synthetic_archive.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    assert_build_fails(bad, tmp_path / "cache", "not a readable .tar.gz")


def test_garbage_archive_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.tar.gz"
    bad.write_bytes(np.random.default_rng(0).bytes(100_000))
    assert_build_fails(bad, tmp_path / "cache", "not a readable .tar.gz")


def test_corrupted_gzip_checksum_is_rejected(small_synthetic_archive: Path, tmp_path: Path) -> None:
    """Flip a bit of the gzip trailer's CRC-32: the pixels are intact, but the file is corrupt.
    (tarfile stops before the trailer, so this passes unless the reader checks the CRC.)"""
    bad = tmp_path / "badcrc.tar.gz"
    data = bytearray(small_synthetic_archive.read_bytes())
    data[-8] ^= 0x01  # gzip trailer: CRC-32 (4 bytes), then the length (4 bytes)
    bad.write_bytes(bytes(data))
    assert_build_fails(bad, tmp_path / "cache", "CRC")


def _with(key: bytes, change):
    """A tamper function that replaces ``entry[key]`` by ``change(entry[key])``."""
    return lambda entry: {**entry, key: change(entry[key])}


def _label_ten(labels: list[int]) -> list[int]:
    return [10, *labels[1:]]


@pytest.mark.parametrize(
    ("variant", "fragments"),
    [
        (dict(omit=("data_batch_3",)), [f"lacks {ARCHIVE_DIR}/data_batch_3"]),
        (
            dict(tamper={TEST_BATCH: _with(b"data", lambda d: d[:, :-1])}),
            [f"{ARCHIVE_DIR}/test_batch", "(1000, 3071)"],
        ),
        (
            dict(tamper={"data_batch_2": _with(b"labels", _label_ten)}),
            [f"{ARCHIVE_DIR}/data_batch_2", "0..9", "0..10"],
        ),
        (
            dict(tamper={"data_batch_4": _with(b"data", lambda d: d.astype(np.int16))}),
            [f"{ARCHIVE_DIR}/data_batch_4", "int16"],
        ),
        (
            dict(tamper={"data_batch_5": lambda entry: b"not a pickle"}),
            [f"{ARCHIVE_DIR}/data_batch_5", "not a readable pickle"],
        ),
    ],
    ids=["missing-batch", "wrong-shape", "label-out-of-range", "not-uint8", "not-a-pickle"],
)
def test_broken_archive_is_rejected(tmp_path: Path, variant: dict, fragments: list[str]) -> None:
    # Flat, noiseless images, 1,000 per batch, only make these archives faster to write; the layout is what
    # matters here (the full-size layout: test_synthetic_archive_has_official_layout, test_read_batches_...).
    bad = write_synthetic_archive(tmp_path / "bad.tar.gz", images_per_batch=1000, noise=0, block=32, **variant)
    assert_build_fails(bad, tmp_path / "cache", *fragments)


def test_missing_local_archive_names_path_and_config_key(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "cifar-10-python.tar.gz"
    with pytest.raises(ArchiveError) as err:
        load_arrays(missing, tmp_path / "data")
    assert str(missing) in str(err.value) and "cifar10_archive" in str(err.value)
    assert files_in(tmp_path / "data") == []


def test_failed_cache_write_leaves_no_file(small_synthetic_archive: Path, tmp_path: Path, monkeypatch) -> None:
    def disk_full(f, **arrays):
        f.write(b"PK\x03\x04 half an npz")
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left"):
        build_cache(small_synthetic_archive, tmp_path / "cache" / CACHE_NAME)
    assert files_in(tmp_path / "cache") == []


# --------------------------------------------------------------------------- success path and cache reuse


def test_load_arrays_builds_reuses_and_rebuilds_cache(small_synthetic_archive: Path, tmp_path: Path, monkeypatch) -> None:
    # The small archive (the full-size layout: test_read_batches_matches_pickles).
    synthetic_archive, synthetic_md5 = small_synthetic_archive, md5_of(small_synthetic_archive)
    pickled_batches = read_pickles(small_synthetic_archive)
    builds = []
    real_build = source.build_cache
    monkeypatch.setattr(source, "build_cache", lambda *a: builds.append(a) or real_build(*a))
    data_dir = tmp_path / "data"
    cache = data_dir / CACHE_NAME

    arrays = load_arrays(synthetic_archive, data_dir)
    assert len(builds) == 1 and cache.is_file()
    assert files_in(data_dir) == [CACHE_NAME]
    expected_train = np.concatenate([pickled_batches[n][b"data"] for n in TRAIN_BATCHES])
    expected_train_labels = np.concatenate([pickled_batches[n][b"labels"] for n in TRAIN_BATCHES])
    for got in (arrays, load_cache(cache)):
        assert got.train_images.dtype == np.uint8 and got.train_images.shape == (5000, PIXELS)
        assert np.array_equal(got.train_images, expected_train)
        assert got.train_labels.dtype == np.uint8
        assert np.array_equal(got.train_labels, expected_train_labels)
        assert np.array_equal(got.test_images, pickled_batches[TEST_BATCH][b"data"])
        assert np.array_equal(got.test_labels, pickled_batches[TEST_BATCH][b"labels"])
        assert got.archive_md5 == synthetic_md5
        assert got.official is False

    # Same archive: the cache is read, not rebuilt.
    stamp = cache.stat().st_mtime_ns
    again = load_arrays(synthetic_archive, data_dir)
    assert len(builds) == 1 and cache.stat().st_mtime_ns == stamp
    assert np.array_equal(again.train_images, expected_train) and again.archive_md5 == synthetic_md5

    # A different archive (same content, other gzip header timestamp, so another MD5): rebuilt.
    other = tmp_path / "other.tar.gz"
    data = bytearray(synthetic_archive.read_bytes())
    data[4:8] = (12345).to_bytes(4, "little")  # gzip header MTIME
    other.write_bytes(bytes(data))
    other_md5 = md5_of(other)
    assert other_md5 != synthetic_md5
    rebuilt = load_arrays(other, data_dir)
    assert len(builds) == 2
    assert rebuilt.archive_md5 == other_md5 and load_cache(cache).archive_md5 == other_md5
    assert files_in(data_dir) == [CACHE_NAME]


def test_failed_rebuild_keeps_previous_cache(small_synthetic_archive: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    load_arrays(small_synthetic_archive, data_dir)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(small_synthetic_archive.read_bytes()[:1_000_000])
    with pytest.raises(ArchiveError):
        load_arrays(broken, data_dir)
    assert files_in(data_dir) == [CACHE_NAME]
    assert load_cache(data_dir / CACHE_NAME).archive_md5 == md5_of(small_synthetic_archive)


def test_read_batches_matches_pickles(synthetic_archive: Path, pickled_batches: dict) -> None:
    batches = read_batches(synthetic_archive)
    assert list(batches) == [*TRAIN_BATCHES, TEST_BATCH]
    for name, (images, labels) in batches.items():
        assert np.array_equal(images, pickled_batches[name][b"data"])
        assert labels.dtype == np.uint8 and labels.tolist() == pickled_batches[name][b"labels"]


# --------------------------------------------------------------------------- split and preprocessing


def test_split_indices_sizes_disjoint_covering() -> None:
    train, val = split_indices(50000, 5000, 42)
    assert len(train) == 45000 and len(val) == 5000
    assert np.intersect1d(train, val).size == 0
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(50000))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)  # sorted


def test_split_indices_seeded() -> None:
    first, again, other = split_indices(50000, 5000, 42), split_indices(50000, 5000, 42), split_indices(50000, 5000, 43)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[1], other[1])


def test_split_indices_known_values() -> None:
    """Pins the default split (seed 42): a changed split silently changes every reported number.
    If a NumPy upgrade changes Generator.permutation, this fails on purpose."""
    train, val = split_indices(50000, 5000, 42)
    assert val[:8].tolist() == [2, 3, 14, 22, 31, 37, 49, 59]
    assert train[:8].tolist() == [0, 1, 4, 5, 6, 7, 8, 9]
    assert int(val.sum()) == 125249568


@pytest.mark.parametrize("n_val", [0, 50000, -1])
def test_split_indices_rejects_bad_sizes(n_val: int) -> None:
    with pytest.raises(ValueError):
        split_indices(50000, n_val, 0)


# Hand-computed (v / 255 - MEAN[c]) / STD[c] for v = 0, 128, 255 in channels R, G, B.
KNOWN = {
    0: (-1.9878542510121457, 0.04437564499484004, 2.0607287449392713),
    1: (-1.9835390946502058, 0.08214314532397325, 2.131687242798354),
    2: (-1.7061068702290076, 0.2097739859302499, 2.110687022900763),
}


@pytest.mark.parametrize(("dtype", "atol"), [(np.float32, 2e-6), (np.float64, 1e-12)])
def test_normalise_known_values_and_channel_layout(dtype, atol: float) -> None:
    levels = (0, 128, 255)
    combos = list(itertools.product(range(3), repeat=3))  # every (R, G, B) choice of levels
    images = np.zeros((len(combos), PIXELS), np.uint8)
    expected = np.zeros((len(combos), PIXELS))
    for row, combo in enumerate(combos):
        for c, k in enumerate(combo):
            images[row, c * 1024 : (c + 1) * 1024] = levels[k]  # channel-major: R block, G block, B block
            expected[row, c * 1024 : (c + 1) * 1024] = KNOWN[c][k]
    out = normalise(images, dtype) if dtype is not np.float32 else normalise(images)
    assert out.dtype == dtype and out.shape == (27, PIXELS)
    np.testing.assert_allclose(out, expected, rtol=0, atol=atol)
    # The same formula written out with the published constants.
    row = combos.index((0, 1, 2))
    for c in range(3):
        np.testing.assert_allclose(out[row, c * 1024], (levels[c] / 255 - MEAN[c]) / STD[c], rtol=0, atol=atol)


def test_normalise_per_pixel_layout() -> None:
    """A red ramp over the 1024 red pixels must stay in place (catches channel-last layouts)."""
    images = np.zeros((1, PIXELS), np.uint8)
    images[0, :1024] = np.arange(1024) % 256
    out = normalise(images, np.float64)[0]
    np.testing.assert_allclose(out[:1024], ((np.arange(1024) % 256) / 255 - MEAN[0]) / STD[0], atol=1e-12)
    np.testing.assert_allclose(out[1024:2048], -MEAN[1] / STD[1], atol=1e-12)
    np.testing.assert_allclose(out[2048:], -MEAN[2] / STD[2], atol=1e-12)


def index_coded_arrays(n_train: int = 50000, n_test: int = 10000) -> CifarArrays:
    """Image i carries i in its first two (red) pixels; its label is a scrambled function of i."""

    def coded(n: int) -> tuple[np.ndarray, np.ndarray]:
        i = np.arange(n)
        images = np.zeros((n, PIXELS), np.uint8)
        images[:, 0], images[:, 1] = i % 256, i // 256
        images[:, 2048:] = 200  # some blue
        return images, ((i * 7 + i // 13) % 10).astype(np.uint8)

    train, test = coded(n_train), coded(n_test)
    return CifarArrays(*train, *test, archive_md5="0" * 32, official=False)


def decode_index(x: np.ndarray) -> np.ndarray:
    pixels = np.rint((x[:, :2] * STD[0] + MEAN[0]) * 255).astype(np.int64)
    return pixels[:, 0] + 256 * pixels[:, 1]


def test_make_splits_keeps_images_with_their_labels() -> None:
    arrays = index_coded_arrays(n_train=12000, n_test=1000)  # full size works too, but costs 750 MB
    splits = make_splits(arrays, split_seed=42)
    train_idx, val_idx = split_indices(12000, N_VAL, 42)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (7000, N_VAL, 1000)
    for split, idx, labels in (
        (splits.train, train_idx, arrays.train_labels),
        (splits.val, val_idx, arrays.train_labels),
        (splits.test, np.arange(1000), arrays.test_labels),
    ):
        assert split.x.dtype == np.float32 and split.x.shape == (len(idx), PIXELS)
        assert split.y.dtype == np.int64
        assert np.array_equal(decode_index(split.x), idx)  # the right images, in index order
        assert np.array_equal(split.y, labels[idx])  # each with its own label
    assert splits.val.y[:3].tolist() == [(i * 7 + i // 13) % 10 for i in val_idx[:3]]
    np.testing.assert_allclose(splits.train.x[:, 2048:], (200 / 255 - MEAN[2]) / STD[2], atol=2e-6)
    assert splits.archive_md5 == "0" * 32 and splits.official is False


def test_make_splits_float64_on_request() -> None:
    splits = make_splits(index_coded_arrays(2000, 100), n_val=500, split_seed=1, dtype=np.float64)
    assert splits.train.x.dtype == splits.val.x.dtype == splits.test.x.dtype == np.float64
    assert (len(splits.train), len(splits.val), len(splits.test)) == (1500, 500, 100)
    np.testing.assert_array_equal(decode_index(splits.val.x), split_indices(2000, 500, 1)[1])


def test_epoch_batches() -> None:
    epoch = list(epoch_batches(45000, 128, np.random.default_rng(0)))
    assert len(epoch) == 351  # 45000 // 128; the last 72 indices are dropped
    assert all(len(b) == 128 for b in epoch)
    seen = np.concatenate(epoch)
    assert len(np.unique(seen)) == len(seen) == 351 * 128
    assert seen.min() >= 0 and seen.max() < 45000

    same = list(epoch_batches(45000, 128, np.random.default_rng(0)))
    assert all(np.array_equal(a, b) for a, b in zip(epoch, same))

    rng = np.random.default_rng(0)
    first = np.concatenate(list(epoch_batches(45000, 128, rng)))
    second = np.concatenate(list(epoch_batches(45000, 128, rng)))  # the next epoch, same generator
    assert np.array_equal(first, seen)
    assert not np.array_equal(first, second)
    other_seed = np.concatenate(list(epoch_batches(45000, 128, np.random.default_rng(1))))
    assert not np.array_equal(first, other_seed)


def test_archive_md5_is_remembered_by_file_identity(tmp_path, small_synthetic_archive):
    archive, memo = tmp_path / "a.tar.gz", tmp_path / "state" / "md5.json"
    archive.write_bytes(small_synthetic_archive.read_bytes())
    synthetic_md5 = md5_of(small_synthetic_archive)
    assert remembered_md5(archive, memo) == synthetic_md5
    entries = json.loads(memo.read_text())
    entries[str(archive.resolve())]["md5"] = "remembered"  # same identity: read back, not recomputed
    memo.write_text(json.dumps(entries))
    assert remembered_md5(archive, memo) == "remembered"
    os.utime(archive, ns=(archive.stat().st_atime_ns, archive.stat().st_mtime_ns + 10**9))  # touched
    assert remembered_md5(archive, memo) == synthetic_md5
    memo.write_text("not json")  # a damaged memo is only recomputed
    assert remembered_md5(archive, memo) == synthetic_md5
