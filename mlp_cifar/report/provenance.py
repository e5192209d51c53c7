"""The provenance section: commit, versions, configuration, archive, machine and rule times."""

from __future__ import annotations

import json
from typing import Mapping

import yaml

from mlp_cifar.data.archive import OFFICIAL_MD5


def provenance_context(provenance: Mapping, config: Mapping, run: Mapping) -> dict:
    git = dict(provenance.get("git") or {})
    archive = dict(provenance.get("archive") or {})
    archive.setdefault("md5", run["data"].get("archive_md5"))
    if archive.get("official") is None:
        archive["official"] = run["data"].get("official_archive")
    cpu = dict(provenance.get("cpu") or run["machine"])
    # Through JSON: plain dicts, lists and scalars, whatever mapping types the caller passed.
    used_config = json.loads(json.dumps(provenance.get("config") or config or {}, default=str))
    rule_seconds = dict(provenance.get("rule_seconds") or {})
    versions = dict(provenance.get("versions") or run["versions"])
    return {
        "git": {"commit": git.get("commit"), "dirty": git.get("dirty")},
        "versions": versions,
        "config": used_config,
        "config_yaml": yaml.safe_dump(used_config, sort_keys=False, default_flow_style=False, allow_unicode=True)
        if used_config else "",
        "archive": {"path": archive.get("path"), "md5": archive.get("md5"), "official": archive.get("official"),
                    "official_md5": OFFICIAL_MD5},
        "rule_seconds": rule_seconds,
        "rule_seconds_total": sum(v for v in rule_seconds.values() if v is not None),
        "cpu": {"cpu_count": cpu.get("cpu_count"), "processor": cpu.get("processor"),
                "cpu_model": cpu.get("cpu_model"), "platform": cpu.get("platform")},
        "threads": provenance.get("threads", run["threads"]),
        "made": list(provenance.get("made") or []),
    }


def made_rows(documents: Mapping[str, Mapping], checkout: str | None) -> list[dict]:
    """Per cached result (runs, parity, derivations, the ReLU-variance estimate), where it comes from:
    made in this checkout (``checkout``, mlp_cifar.results_cache) or restored from the results cache,
    with the CPU model and time it was made at and its own time, in the order given."""
    rows = []
    for name, doc in documents.items():
        made = dict(doc.get("made") or {})
        seconds = doc.get("total_seconds", doc.get("seconds"))
        rows.append({"name": name, "here": made.get("checkout") == checkout if made else None,
                     "cpu_model": made.get("cpu_model") or (doc.get("machine") or {}).get("cpu_model"),
                     "at": made.get("at"), "seconds": seconds})
    return rows
