"""Two Snakemake instances in one directory keep each other's locks.

Snakemake (9.27.1, the newest release) locks the files a run reads and writes under
``.snakemake/locks``, so that a second instance cannot build the same outputs at once. But an
instance that finishes (even with "Nothing to be done") deletes that whole folder, the locks of
instances still running included: a third instance then trained the same run again, and two
trainers wrote one document at once. `keep_other_instances_locks` (called from
workflow/rules/common.smk, in Snakemake's process) makes a finishing instance remove its own lock
files only, and the folder only once it is empty. ``snakemake --unlock``, whose very purpose is
to clear stale locks, still clears them all.
"""

from __future__ import annotations

import os


def keep_other_instances_locks() -> bool:
    """Patch Snakemake's file persistence as described above; False if its internals are not the
    ones this was written against (then nothing is changed)."""
    try:
        from snakemake.persistence.file import FilePersistence
    except ImportError:
        return False
    if getattr(FilePersistence.unlock, "keeps_other_locks", False):
        return True
    if not all(hasattr(FilePersistence, name) for name in ("_delete_locks", "cleanup_locks", "_write_locks")):
        return False
    delete_all = FilePersistence._delete_locks

    def unlock(self) -> None:
        for lockfile in getattr(self, "_lockfile", {}).values():
            try:
                os.remove(lockfile)
            except FileNotFoundError:
                pass
        self._lockfile.clear()
        try:
            os.rmdir(self._lockdir)  # only when no other instance holds a lock
        except OSError:
            pass

    def cleanup_locks(self) -> None:  # snakemake --unlock
        delete_all(self)

    unlock.keeps_other_locks = True
    FilePersistence.unlock = unlock
    FilePersistence.cleanup_locks = cleanup_locks
    return True
