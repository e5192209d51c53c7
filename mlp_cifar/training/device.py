"""The torch device of a run, and what runs on it keep there."""

from __future__ import annotations

import os

from mlp_cifar.training.config import DEVICES


def keeps_data_on(device: str) -> bool:
    """Whether PyTorch runs on ``device`` keep the training split there (a GPU: yes)."""
    return device != "cpu"


def torch_device(requested: str = "auto") -> str:
    """The torch device of a run: "cpu", or "cuda" when asked for or (``auto``) when available.

    Before CUDA can initialise, sets ``CUBLAS_WORKSPACE_CONFIG`` (unless already set), which
    cuBLAS needs to be deterministic under ``torch.use_deterministic_algorithms(True)``.
    """
    import torch

    if requested not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {requested!r}")
    if requested == "cpu":
        return "cpu"
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if torch.cuda.is_available():
        return "cuda"
    if requested == "cuda":
        raise RuntimeError("device: cuda was requested, but torch finds no CUDA device; use auto or cpu")
    return "cpu"
