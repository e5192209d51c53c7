"""The workflow's data step: verify the archive, cache its arrays, record where it came from."""

from __future__ import annotations

from mlp_cifar.atomic import write_json
from mlp_cifar.data.archive import archive_info
from mlp_cifar.data.cache import build_cache
from mlp_cifar.data.source import local_archive_file


def prepare_data(archive: str, cache_out: str, info_out: str) -> None:
    """Verify the archive, cache its arrays, and record its MD5 and whether it is official."""
    local_archive_file(archive, "the config key cifar10_archive: a local copy of the archive, or null to download it")
    build_cache(archive, cache_out)
    info = archive_info(archive)
    write_json(info_out, {"path": info.path, "md5": info.md5, "official": info.official})
    print(f"archive {info.path}: MD5 {info.md5} ({'official' if info.official else 'NOT the official archive'})")
