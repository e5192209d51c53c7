"""The workflow's data step: verify the archive, cache its arrays, record where it came from."""

from __future__ import annotations

from pathlib import Path

from mlp_cifar.atomic import write_json
from mlp_cifar.data.archive import ArchiveError, archive_info
from mlp_cifar.data.cache import build_cache


def prepare_data(archive: str, cache_out: str, info_out: str) -> None:
    """Verify the archive, cache its arrays, and record its MD5 and whether it is official."""
    if Path(archive).is_dir():
        raise ArchiveError(f"CIFAR-10 archive {archive} (config key cifar10_archive) is a directory; set it to "
                           f"the file cifar-10-python.tar.gz itself")
    if not Path(archive).is_file():
        raise ArchiveError(f"CIFAR-10 archive {archive} does not exist; set the config key cifar10_archive "
                           f"to a local copy of cifar-10-python.tar.gz, or to null to download it")
    build_cache(archive, cache_out)
    info = archive_info(archive)
    write_json(info_out, {"path": info.path, "md5": info.md5, "official": info.official})
    print(f"archive {info.path}: MD5 {info.md5} ({'official' if info.official else 'NOT the official archive'})")
