"""A local archive's content fingerprint (its MD5), remembered by file identity.

The workflow keys its data preparation on a local archive's content, not on its modification time,
so that the same archive copied again (re-downloaded, copied without ``-p``, touched) rebuilds
nothing, while different bytes at the same path rebuild everything. Hashing the 170 MB archive
takes a noticeable part of Snakemake's start (docs/performance.md), and Snakemake asks on every start,
so the MD5 is remembered under the file's size, modification time and inode, and computed again only
when one of them changes.

Pure standard library: the workflow's ``common.smk`` imports it while it builds the DAG.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mlp_cifar.atomic import atomic_path


def md5_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def remembered_md5(path: str | os.PathLike, memo: str | os.PathLike) -> str:
    """The MD5 of file ``path``, read from the JSON file ``memo`` when the file's (size, mtime, inode)
    are those it was computed for, else computed and written there (atomically)."""
    real = os.path.realpath(path)
    st = os.stat(real)
    identity = [st.st_size, st.st_mtime_ns, st.st_ino]
    memo = Path(memo)
    try:
        entries = json.loads(memo.read_text(encoding="utf-8"))
        entries = entries if isinstance(entries, dict) else {}
    except (OSError, ValueError):  # absent or unreadable: it is only a memo
        entries = {}
    entry = entries.get(real)
    if isinstance(entry, dict) and entry.get("identity") == identity and isinstance(entry.get("md5"), str):
        return entry["md5"]
    md5 = md5_of(real)
    entries[real] = {"identity": identity, "md5": md5}
    with atomic_path(memo) as tmp:
        tmp.write_text(json.dumps(entries, indent=1, sort_keys=True), encoding="utf-8")
    return md5
