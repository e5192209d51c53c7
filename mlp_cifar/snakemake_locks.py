"""Two Snakemake instances in one directory keep each other's locks.

Snakemake locks the files a run reads and writes under ``.snakemake/locks``, so that a second
instance cannot build the same outputs at once. But an instance that finishes (even with "Nothing
to be done") deletes that whole folder, the locks of instances still running included: a third
instance then trained the same run again, and two trainers wrote one document at once.
`keep_other_instances_locks` (called from workflow/rules/common.smk, in Snakemake's process) makes a
finishing instance remove its own lock files only, and the folder only once it is empty.
``snakemake --unlock``, whose very purpose is to clear stale locks, still clears them all.

The patch replaces methods of a private Snakemake class (``FilePersistence``) and relies on some of
its private attributes. It checks first that all of them are still there; where one is not, it
changes nothing and says what is missing, and the workflow logs that as a warning: an upgrade that
moves these internals shows at the next build instead of silently bringing the old behaviour back.
"""

from __future__ import annotations

import inspect
import os

# What the patch relies on: methods of the class, and attributes its __init__ sets on each instance.
METHODS = ("unlock", "cleanup_locks", "_delete_locks", "_write_locks")
INSTANCE_ATTRIBUTES = ("_lockfile", "_lockdir")
CONSEQUENCE = ("a Snakemake that finishes deletes the locks of other instances still running in this "
               "directory (mlp_cifar/snakemake_locks.py)")


def missing_internals(persistence_class) -> list[str]:
    """What of `METHODS` and `INSTANCE_ATTRIBUTES` ``persistence_class`` lacks (empty: the patch applies)."""
    missing = [f"method {name}" for name in METHODS if not callable(getattr(persistence_class, name, None))]
    try:
        init = inspect.getsource(persistence_class.__init__)
    except (OSError, TypeError):
        init = ""
    missing += [f"attribute {name} (set by __init__)" for name in INSTANCE_ATTRIBUTES if f"self.{name}" not in init]
    return missing


def keep_other_instances_locks(persistence_class=None) -> str | None:
    """Patch Snakemake's ``FilePersistence`` (or ``persistence_class``) as described above.

    Returns None once the patch is in place, else a warning that names what no longer applies (and
    nothing is changed)."""
    if persistence_class is None:
        try:
            from snakemake.persistence.file import FilePersistence as persistence_class
        except ImportError as err:
            return f"lock patch not applied: snakemake.persistence.file.FilePersistence cannot be imported ({err}); " \
                   f"{CONSEQUENCE}"
    if getattr(persistence_class.unlock, "keeps_other_locks", False):
        return None
    missing = missing_internals(persistence_class)
    if missing:
        where = f"{persistence_class.__module__}.{persistence_class.__qualname__}"
        return f"lock patch not applied: {where} no longer has {', '.join(missing)}; {CONSEQUENCE}"
    delete_all = persistence_class._delete_locks

    def unlock(self) -> None:
        for lockfile in self._lockfile.values():
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
    persistence_class.unlock = unlock
    persistence_class.cleanup_locks = cleanup_locks
    return None
