"""Write files so that a crash or an error never leaves a partial output behind."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import socket
import tempfile
from pathlib import Path
from typing import Iterator


def _writer_tag() -> str:
    """Host and process of a temporary file's writer, in its name: a later writer removes the files
    of dead processes on its own host (never another node's, on a shared file system)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_parts(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files of ``path`` left by killed writers on this host (SIGKILL, OOM,
    power cut: no ``finally`` ran); returns them."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(?P<host>.+)-(?P<pid>\d+)\.[^.]+\.part")
    host = socket.gethostname()
    removed = []
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        m = pattern.fullmatch(part.name)
        if m and m["host"] == host and not _alive(int(m["pid"])):
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    On any exception the temporary file is removed and ``path`` is left untouched,
    so Snakemake (or a user) never sees a half-written file under the final name.
    An OSError without a file name (a full disk: ENOSPC comes from write()) is
    raised again naming ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_writer_tag()}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    tmp_path.chmod(0o666 & ~umask)  # mkstemp creates 0600; outputs should be as readable as any file
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except OSError as err:
        tmp_path.unlink(missing_ok=True)
        if err.filename is None and err.errno is not None:
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike, document: object) -> None:
    """Write ``document`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n")
