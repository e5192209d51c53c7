"""A synthetic stand-in for the CIFAR-10 "python version" archive.

The archive has exactly the official layout -- a ``.tar.gz`` holding
``cifar-10-batches-py/data_batch_1..5``, ``test_batch`` and ``batches.meta``,
each a protocol-2 pickle with bytes keys (``b"data"``: uint8 (N, 3072)
channel-major, ``b"labels"``: list of ints, ``b"batch_label"``,
``b"filenames"``) -- so it goes through the real download, verification and
cache code. Its content is learnable: every class has a random mean image
(fixed by the seed) and every image is its class mean plus Gaussian noise,
clipped to uint8. An MLP separates the classes well above chance.

Images are made of ``block`` x ``block`` squares of equal pixels (8 x 8 per
channel by default). That keeps the archive compressible, so writing the full
60000-image archive takes about a second, not tens of seconds.

Used by the tests and by the workflow's smoke profile::

    python -m mlp_cifar.data.synthetic OUT.tar.gz [--seed N]
"""

from __future__ import annotations

import argparse
import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from mlp_cifar.atomic import atomic_path
from mlp_cifar.data.archive import (
    ARCHIVE_DIR,
    CLASS_NAMES,
    IMAGES_PER_BATCH,
    N_CLASSES,
    PIXELS,
    TEST_BATCH,
    TRAIN_BATCHES,
    md5_of,
)

BATCH_NAMES = (*TRAIN_BATCHES, TEST_BATCH)
META_NAME = "batches.meta"
SIDE = 32
CHANNELS = 3
# The function NumPy pickles arrays with (numpy._core.multiarray._reconstruct in NumPy 2).
_RECONSTRUCT = np.zeros(0).__reduce__()[0]


def write_synthetic_archive(
    path: str | Path,
    seed: int = 0,
    images_per_batch: int = IMAGES_PER_BATCH,
    signal: float = 12.0,
    noise: float = 48.0,
    block: int = 4,
    omit: Iterable[str] = (),
    tamper: Mapping[str, Callable[[dict], Any]] | None = None,
) -> Path:
    """Write a synthetic CIFAR-10 archive to ``path`` (atomically) and return ``path``.

    ``signal`` is the standard deviation (in uint8 steps) of each class mean
    around mid-grey, ``noise`` that of the per-image noise. The same arguments
    give the same bytes (and MD5). Each batch draws from its own stream, so
    omitting or tampering with one batch leaves the others unchanged.

    For tests that need a broken archive: ``omit`` names members
    (e.g. ``"data_batch_3"``) left out of the archive; ``tamper`` maps a member
    name to a function that receives the batch dict and returns the object to
    pickle instead -- or ``bytes``, which are written verbatim as the member.
    """
    if SIDE % block:
        raise ValueError(f"block must divide {SIDE}, got {block}")
    omit = set(omit)
    tamper = dict(tamper or {})
    unknown = (omit | set(tamper)) - {*BATCH_NAMES, META_NAME}
    if unknown:
        raise ValueError(f"unknown archive members {sorted(unknown)}; expected some of {[*BATCH_NAMES, META_NAME]}")

    streams = np.random.SeedSequence(seed).spawn(1 + len(BATCH_NAMES))
    low = SIDE // block
    means = 128.0 + signal * np.random.default_rng(streams[0]).standard_normal((N_CLASSES, CHANNELS, low, low))

    members: list[tuple[str, Any]] = []
    for i, name in enumerate(BATCH_NAMES, start=1):
        if name not in omit:
            rng = np.random.default_rng(streams[i])
            members.append((name, _batch(name, rng, images_per_batch, means, noise, block)))
    if META_NAME not in omit:
        meta = {
            b"num_cases_per_batch": images_per_batch,
            b"label_names": [c.encode() for c in CLASS_NAMES],
            b"num_vis": PIXELS,
        }
        members.append((META_NAME, meta))

    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        # Fixed gzip mtime and no file name in the header: same arguments, same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
                _add_dir(tar, ARCHIVE_DIR)
                for name, entry in members:
                    if name in tamper:
                        entry = tamper[name](entry)
                    payload = entry if isinstance(entry, bytes) else _pickle_py2_style(entry)
                    _add_file(tar, f"{ARCHIVE_DIR}/{name}", payload)
    return path


def _batch(
    name: str, rng: np.random.Generator, n: int, means: np.ndarray, noise: float, block: int
) -> dict[bytes, Any]:
    labels = rng.permutation(np.arange(n) % N_CLASSES)
    low = means[labels] + noise * rng.standard_normal((n, *means.shape[1:]))
    low = np.clip(np.rint(low), 0, 255).astype(np.uint8)
    # Blow each low-resolution pixel up to a block x block square; keep channel-major order.
    data = low.repeat(block, axis=2).repeat(block, axis=3).reshape(n, PIXELS)
    if name == TEST_BATCH:
        batch_label = b"testing batch 1 of 1"
    else:
        batch_label = f"training batch {TRAIN_BATCHES.index(name) + 1} of {len(TRAIN_BATCHES)}".encode()
    return {
        b"batch_label": batch_label,
        b"labels": [int(v) for v in labels],
        b"data": np.ascontiguousarray(data),
        b"filenames": [f"synthetic_{CLASS_NAMES[v]}_{name}_{j:05d}.png".encode() for j, v in enumerate(labels)],
    }


class _Py2StylePickler(pickle._Pickler):
    """Protocol-2 pickler that writes ``bytes`` as Python 2 ``str`` (BINSTRING), as the
    official archive's Python 2 pickles do; they load with ``encoding="bytes"``. The
    standard protocol-2 pickler would instead route every array's 30 MB of raw data
    through ``_codecs.encode`` of a latin-1 string, which is slow and 1.5x larger."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_bytes(self, obj: bytes) -> None:
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n))
            self.write(obj)
        self.memoize(obj)

    dispatch[bytes] = _save_bytes

    def save_global(self, obj, name=None):
        if obj is _RECONSTRUCT:
            # The official files name NumPy's pre-2.0 module, which NumPy 2 still resolves.
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


def _pickle_py2_style(obj: Any) -> bytes:
    buf = io.BytesIO()
    _Py2StylePickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def _add_file(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(payload))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m mlp_cifar.data.synthetic",
        description="Write a synthetic, learnable archive in the CIFAR-10 'python version' layout.",
    )
    parser.add_argument("out", type=Path, help="archive to write, e.g. data/synthetic-cifar-10.tar.gz")
    parser.add_argument("--seed", type=int, default=0, help="fixes class means, labels and noise (default 0)")
    parser.add_argument("--images-per-batch", type=int, default=IMAGES_PER_BATCH,
                        help=f"images in each of the six batches (default {IMAGES_PER_BATCH}, the official size)")
    args = parser.parse_args(argv)
    path = write_synthetic_archive(args.out, seed=args.seed, images_per_batch=args.images_per_batch)
    print(f"{path}  md5 {md5_of(path)}")


if __name__ == "__main__":
    main()
