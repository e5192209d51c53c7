"""Facts about the software and machine a result was produced on."""

from __future__ import annotations

import os
import platform
from importlib import metadata

TRACKED_PACKAGES = ("numpy", "torch", "tqdm", "snakemake", "matplotlib", "jinja2", "weasyprint", "ziamath", "sympy")


def package_versions(names=TRACKED_PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine() -> dict[str, object]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }
