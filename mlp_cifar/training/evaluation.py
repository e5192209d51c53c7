"""The network's inputs for evaluation, shared by both backends: projected (RunConfig.pca) and, with
flip test-time augmentation, mirrored, chunk by chunk."""

from __future__ import annotations

import numpy as np

from mlp_cifar.augment import hflip

EVAL_CHUNK = 1000


def project(x: np.ndarray, directions: np.ndarray | None) -> np.ndarray:
    """The network's input for images ``x``: their coordinates along ``directions`` (RunConfig.pca),
    or ``x`` itself without."""
    return x if directions is None else x @ directions


class EvaluationInputs:
    """The network's inputs for evaluating images ``x``, chunk by chunk: ``(start, views)`` per
    ``EVAL_CHUNK`` images, ``views`` the chunk projected (``project``) and, with flip TTA, its mirror
    image projected too.

    Built once per array and flip setting, then reused: the trainer evaluates the same validation
    images every epoch, and projecting them and their mirrors again each time would repeat the same
    products every epoch. The arrays are the trainer's splits, which nothing changes in place.
    """

    def __init__(self, directions: np.ndarray | None):
        self.directions = directions
        self._built: dict[tuple[int, bool], tuple[np.ndarray, list]] = {}

    def __call__(self, x: np.ndarray, flip_tta: bool) -> list[tuple[int, list[np.ndarray]]]:
        key = (id(x), flip_tta)
        if key not in self._built or self._built[key][0] is not x:
            chunks = []
            for start in range(0, len(x), EVAL_CHUNK):
                xb = x[start:start + EVAL_CHUNK]
                views = [project(xb, self.directions)]
                if flip_tta:
                    views.append(project(mirror(xb), self.directions))
                chunks.append((start, views))
            self._built[key] = (x, chunks)  # x kept: its id stays its own while the entry lives
        return self._built[key][1]


def mirror(x: np.ndarray) -> np.ndarray:
    """Every image of the batch mirrored left-right (flip test-time augmentation)."""
    return hflip(x, np.ones(len(x), dtype=bool))
