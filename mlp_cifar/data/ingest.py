"""Taking the archive in, the workflow's data step (rule prepare_data): verify the archive, cache its
arrays (mlp_cifar.data.cache), record where it came from."""

from __future__ import annotations

from mlp_cifar.atomic import write_json
from mlp_cifar.data.cache import build_cache
from mlp_cifar.data.source import local_archive_file


def prepare_data(archive: str, cache_out: str, info_out: str) -> None:
    """Verify the archive, cache its arrays, and record its MD5 and whether it is official."""
    local_archive_file(archive, "the config key cifar10_archive: a local copy of the archive, or null to download it")
    arrays = build_cache(archive, cache_out)  # hashed the archive once already: its MD5 is in the arrays
    official = "official" if arrays.official else "NOT the official archive"
    write_json(info_out, {"path": str(archive), "md5": arrays.archive_md5, "official": arrays.official})
    print(f"archive {archive}: MD5 {arrays.archive_md5} ({official})")
