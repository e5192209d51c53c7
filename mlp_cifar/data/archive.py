"""Obtain and verify the CIFAR-10 "python version" archive.

Either download the official archive (streamed, with a progress bar, MD5-checked
before it is renamed into place) or check a local archive given by the user.
Both paths end in :func:`read_batches`, which validates the structure.
"""

from __future__ import annotations

import hashlib
import http.client
import pickle
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from mlp_cifar.atomic import atomic_path
from mlp_cifar.data.fingerprint import md5_of

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_DIR = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
IMAGES_PER_BATCH = 10000
PIXELS = 3072  # 3 x 32 x 32, channel-major as in the official files
N_CLASSES = 10
CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)


class ArchiveError(RuntimeError):
    """The archive is missing, corrupted, or does not have the official layout."""


@dataclass(frozen=True)
class ArchiveInfo:
    path: str
    md5: str
    official: bool


def download_archive(
    dest: str | Path,
    url: str = OFFICIAL_URL,
    md5: str = OFFICIAL_MD5,
    retries: int = 3,
    backoff_s: float = 2.0,
    timeout_s: float = 60.0,
    offline_hint: str = "offline? set the config key cifar10_archive to a local copy of the archive",
) -> Path:
    """Download ``url`` to ``dest``; the file appears only if its MD5 equals ``md5``.

    A broken connection is retried ``retries`` times; a wrong checksum is not
    (the server sent complete but wrong bytes, retrying would not help).
    """
    dest = Path(dest)
    last_error: Exception | None = None
    for attempt in range(1, retries + 1):
        try:
            with atomic_path(dest) as tmp:
                got = _stream_to(url, tmp, timeout_s)
                if got != md5:
                    raise ArchiveError(
                        f"downloaded {url} has MD5 {got}, expected {md5}; "
                        f"nothing was written to {dest}"
                    )
            return dest
        except ArchiveError:
            raise
        # http.client.HTTPException: e.g. IncompleteRead from a cut-off chunked response.
        except (urllib.error.URLError, OSError, ConnectionError, http.client.HTTPException) as err:
            last_error = err
            print(f"download attempt {attempt}/{retries} of {url} failed: {err}", file=sys.stderr)
            if attempt < retries:
                time.sleep(backoff_s * attempt)
    raise ArchiveError(
        f"could not download {url} after {retries} attempts ({last_error}); {offline_hint}"
    )


def _stream_to(url: str, path: Path, timeout_s: float) -> str:
    """Stream ``url`` into ``path`` with a progress bar; return the MD5 of the bytes."""
    digest = hashlib.md5()
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with open(path, "wb") as out, tqdm(
            total=total, unit="B", unit_scale=True, desc="CIFAR-10", file=sys.stderr
        ) as bar:
            received = 0
            while block := response.read(1 << 20):
                out.write(block)
                digest.update(block)
                received += len(block)
                bar.update(len(block))
    if total is not None and received != total:
        raise ConnectionError(f"connection closed after {received} of {total} bytes")
    return digest.hexdigest()


def read_batches(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read and validate every batch of the archive: name -> (images uint8 (N,3072), labels uint8 (N,))."""
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"CIFAR-10 archive {path} does not exist")
    batches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    wanted = {f"{ARCHIVE_DIR}/{name}": name for name in (*TRAIN_BATCHES, TEST_BATCH)}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = wanted.get(member.name)
                if name is None or not member.isfile():
                    continue
                raw = tar.extractfile(member).read()
                batches[name] = _parse_batch(path, name, raw, _batch_size(batches))
            # tarfile stops at the end-of-archive marker, before the gzip trailer; read
            # to the end so that gzip checks its CRC-32 and length (corrupted bytes
            # otherwise decompress silently into wrong pixels).
            while tar.fileobj.read(1 << 20):
                pass
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise ArchiveError(f"{path} is not a readable .tar.gz archive: {err}") from err
    missing = [n for n in (*TRAIN_BATCHES, TEST_BATCH) if n not in batches]
    if missing:
        raise ArchiveError(
            f"{path} lacks {', '.join(f'{ARCHIVE_DIR}/{m}' for m in missing)}; "
            f"expected five training batches and a test batch"
        )
    return batches


def _batch_size(batches: dict[str, tuple[np.ndarray, np.ndarray]]) -> int | None:
    """The number of images every batch must hold, set by the first batch read (None before it).

    The official archive has IMAGES_PER_BATCH in each; smaller synthetic archives (the smoke profile's)
    keep the official layout with fewer images per batch, the same number in every batch."""
    return next(iter(batches.values()))[1].shape[0] if batches else None


def _parse_batch(path: Path, name: str, raw: bytes, n_images: int | None) -> tuple[np.ndarray, np.ndarray]:
    where = f"{path}: {ARCHIVE_DIR}/{name}"
    try:
        entry = pickle.loads(raw, encoding="bytes")
    except Exception as err:  # pickle raises many types on garbage
        raise ArchiveError(f"{where} is not a readable pickle: {err}") from err
    if not isinstance(entry, dict) or b"data" not in entry or b"labels" not in entry:
        raise ArchiveError(f"{where} must be a dict with keys b'data' and b'labels'")
    data = np.asarray(entry[b"data"])
    labels = np.asarray(entry[b"labels"])
    if n_images is None:
        n_images = data.shape[0] if data.ndim == 2 and data.shape[0] > 0 else IMAGES_PER_BATCH
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != PIXELS or data.shape[0] != n_images:
        raise ArchiveError(
            f"{where}: data is {data.dtype} of shape {data.shape}, "
            f"expected uint8 of shape ({n_images}, {PIXELS})"
        )
    if labels.shape != (n_images,) or not np.issubdtype(labels.dtype, np.integer):
        raise ArchiveError(
            f"{where}: labels have shape {labels.shape} and dtype {labels.dtype}, "
            f"expected {n_images} integers"
        )
    if labels.min() < 0 or labels.max() >= N_CLASSES:
        raise ArchiveError(f"{where}: labels must lie in 0..{N_CLASSES - 1}, found {labels.min()}..{labels.max()}")
    return data, labels.astype(np.uint8)


def archive_info(path: str | Path) -> ArchiveInfo:
    md5 = md5_of(path)
    return ArchiveInfo(path=str(path), md5=md5, official=(md5 == OFFICIAL_MD5))
