"""From "a local archive or nothing" to cached arrays: the data layer's single entry point."""

from __future__ import annotations

from pathlib import Path

from mlp_cifar.data.archive import OFFICIAL_MD5, ArchiveError, download_archive, md5_of
from mlp_cifar.data.cache import CifarArrays, build_cache, load_cache

ARCHIVE_NAME = "cifar-10-python.tar.gz"
CACHE_NAME = "cifar10.npz"


def local_archive_file(local_archive: str | Path, option: str = "the config key cifar10_archive") -> Path:
    """``local_archive`` if it is a file; else an ArchiveError saying what it is and where it was set."""
    path = Path(local_archive)
    if path.is_dir():
        raise ArchiveError(f"local CIFAR-10 archive {path} ({option}) is a directory; give the file "
                           f"{ARCHIVE_NAME} itself")
    if not path.is_file():
        raise ArchiveError(f"local CIFAR-10 archive {path} ({option}) does not exist")
    return path


def obtain_archive(local_archive: str | Path | None, data_dir: str | Path,
                   option: str = "the config key cifar10_archive") -> Path:
    """The archive to use: ``local_archive`` if given (it must be a file), else the official
    archive downloaded once into ``data_dir`` and MD5-verified. ``option`` is where the user
    sets the archive, for the error messages."""
    if local_archive:
        return local_archive_file(local_archive, option)
    path = Path(data_dir) / ARCHIVE_NAME
    if path.is_file() and md5_of(path) == OFFICIAL_MD5:
        return path
    return download_archive(path, offline_hint=f"offline? set {option} to a local copy of the archive")


def load_arrays(local_archive: str | Path | None, data_dir: str | Path = "data",
                option: str = "the config key cifar10_archive") -> CifarArrays:
    """Cached arrays for the archive, (re)building the cache when it is missing or stale."""
    archive = obtain_archive(local_archive, data_dir, option)
    cache = Path(data_dir) / CACHE_NAME
    if cache.is_file():
        arrays = load_cache(cache)
        if arrays.archive_md5 == md5_of(archive):
            return arrays
    return build_cache(archive, cache)
