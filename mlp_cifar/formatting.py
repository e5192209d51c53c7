"""How numbers are written for readers: the report's template filters and the figures' labels.

Pure Python (no NumPy), so that the workflow can import it while it reads the config. This is the
one place that knows how a number looks in print: digits, signs, powers of ten, seconds.
"""

from __future__ import annotations

import math

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(exponent: int) -> str:
    """An integer exponent in superscript digits: -6 -> '⁻⁶'."""
    return str(int(exponent)).translate(_SUPERSCRIPT)


def num(value, digits: int = 4, missing: str = "—") -> str:
    """A fixed-point number, ``missing`` when missing or not finite."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return missing
    return f"{value:.{digits}f}"


def signed(value, digits: int = 4) -> str:
    """A difference with its sign: '+0.0123', '−0.0040' (true minus), '±0.0000' when it rounds to zero."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:+d}" if value else "0"
    text = f"{value:+.{digits}f}"
    return text.replace("-", "−") if value < 0 else ("±" + text[1:] if float(text) == 0 else text)


def sci(value, digits: int = 1) -> str:
    """Scientific notation for print: 3.8e-16 -> '3.8 × 10⁻¹⁶'; exactly 1e-9 with digits=0 -> '10⁻⁹'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value == 0:
        return "0"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    power = "10" + superscript(int(exponent))
    return power if mantissa in ("1", "1." + "0" * digits) and digits == 0 else f"{mantissa} × {power}"


def seconds(value) -> str:
    """'12.34 s' below 100 s, else minutes: '7.5 min'."""
    if value is None:
        return "—"
    return f"{value:.2f} s" if value < 100 else f"{value / 60:.1f} min"


def thousands(value) -> str:
    return "—" if value is None else f"{value:,}"


def yesno(value) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def lr_text(lr: float) -> str:
    """A learning rate as people write it: powers of ten below 0.01 or above 100 as '10⁻⁶', others as %g."""
    exponent = math.log10(lr) if lr > 0 else None
    if exponent is not None and abs(exponent - round(exponent)) < 1e-9 and not -2 <= round(exponent) <= 2:
        return "10" + superscript(round(exponent))
    return f"{lr:g}"


def power_text(value: float) -> str:
    """A large number for a figure label: 5.35e+35 -> '5×10³⁵'; ordinary ones as %g."""
    if not 1e-3 <= abs(value) < 1e4:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}×10" + superscript(int(exponent))
    return f"{value:g}"


BACKEND_NAMES = {"numpy": "NumPy", "torch": "PyTorch"}


def backend_name(backend) -> str:
    """'NumPy' / 'PyTorch'; anything else (e.g. a list of backends) as it is."""
    return BACKEND_NAMES.get(backend, backend) if isinstance(backend, str) else backend


# The report's Jinja2 filters, by name.
FILTERS = {"num": num, "signed": signed, "seconds": seconds, "thousands": thousands, "yesno": yesno, "sci": sci}
