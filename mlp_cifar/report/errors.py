"""The report's one error type."""


class ReportError(RuntimeError):
    """The inputs cannot make a correct report (missing run, external reference, ...)."""
