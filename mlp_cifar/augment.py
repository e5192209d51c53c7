"""Data augmentation of flattened CIFAR-10 batches, in NumPy.

A batch is ``(N, 3072)``, channel-major (1024 red values, then green, then
blue, each a 32 x 32 image stored row by row), already normalised (or whitened). Every random
draw comes from the generator passed in (the trainer's seeded batch generator),
so augmented runs are reproducible.

    x = augment_batch(x, rng, flip=True, crop_pad=4)
    x = PaddedImages(train_x, pad=4).batch(rows, rng, flip=True)  # the same, gathered from train_x
"""

from __future__ import annotations

import numpy as np

CHANNELS, SIDE = 3, 32


def as_images(x: np.ndarray) -> np.ndarray:
    """(N, 3072) -> (N, 3, 32, 32), a view of the same memory."""
    return x.reshape(len(x), CHANNELS, SIDE, SIDE)


def hflip(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mirror left-right (reverse every row of every channel) the images of ``x`` where ``mask`` is true.

    Returns a new (N, 3072) array; ``x`` is left unchanged."""
    out = x.copy()
    images = as_images(out)
    images[mask] = images[mask][..., ::-1]
    return out


def zero_pad(x: np.ndarray, pad: int) -> np.ndarray:
    """(N, 3072) -> (N, 3, 32 + 2 pad, 32 + 2 pad): every image in the centre of a frame of zeros."""
    padded = np.zeros((len(x), CHANNELS, SIDE + 2 * pad, SIDE + 2 * pad), dtype=x.dtype)
    padded[:, :, pad:pad + SIDE, pad:pad + SIDE] = as_images(x)
    return padded


def crop(x: np.ndarray, shifts: np.ndarray, pad: int) -> np.ndarray:
    """Random-crop augmentation: each image zero-padded by ``pad`` pixels on every side, then the
    32 x 32 window at offset ``pad + shift`` cut out again.

    ``shifts`` is (N, 2) integers in ``[-pad, pad]``: (down, right) for each image, so output
    pixel (i, j) is input pixel (i + down, j + right), or 0 where that falls outside the image.
    Zero is the mean pixel of the normalised data.
    """
    return crop_padded(zero_pad(x, pad), np.arange(len(x)), shifts, pad)


def crop_padded(padded: np.ndarray, rows: np.ndarray, shifts: np.ndarray, pad: int) -> np.ndarray:
    """`crop` of the images ``rows`` of ``padded`` (`zero_pad`'s output), gathered and cropped in one
    copy: a new C-contiguous (len(rows), 3072) array."""
    n = len(rows)
    if shifts.shape != (n, 2) or np.abs(shifts).max(initial=0) > pad:
        raise ValueError(f"shifts must be ({n}, 2) integers in [-{pad}, {pad}]")
    # Every 32 x 32 window of every padded image, as a view: (N, 3, 2 pad + 1, 2 pad + 1, 32, 32).
    windows = np.lib.stride_tricks.sliding_window_view(padded, (SIDE, SIDE), axis=(2, 3))
    out = windows[rows, :, pad + shifts[:, 0], pad + shifts[:, 1]]  # (n, 3, 32, 32), a copy
    return out.reshape(n, -1)


def augment_batch(x: np.ndarray, rng: np.random.Generator, flip: bool = False, crop_pad: int = 0) -> np.ndarray:
    """Random horizontal flips (probability 1/2 each), then random crops (shift up to ``crop_pad`` pixels
    each way) of a batch. With neither it returns ``x`` itself and draws nothing from ``rng``."""
    mask, shifts = draw(rng, len(x), flip, crop_pad)
    if shifts is None:
        return x if mask is None else hflip(x, mask)
    return _crop_then_mirror(zero_pad(x, crop_pad), np.arange(len(x)), mask, shifts, crop_pad)


def draw(rng: np.random.Generator, n: int, flip: bool, crop_pad: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A batch's random choices, in this order: which of the ``n`` images to mirror (None without
    ``flip``) and their (down, right) shifts (None without ``crop_pad``)."""
    mask = rng.random(n) < 0.5 if flip else None
    shifts = rng.integers(-crop_pad, crop_pad + 1, size=(n, 2)) if crop_pad else None
    return mask, shifts


def _crop_then_mirror(padded: np.ndarray, rows: np.ndarray, mask: np.ndarray | None, shifts: np.ndarray,
                      pad: int) -> np.ndarray:
    """The images ``rows`` of ``padded``, mirrored where ``mask`` is true, then shifted by ``shifts``."""
    if mask is None:
        return crop_padded(padded, rows, shifts, pad)
    # Mirroring then shifting right by s is shifting left by s then mirroring: crop first (one copy of
    # the batch), then mirror the cropped images in place, instead of copying the batch twice.
    mirrored_shifts = shifts.copy()
    mirrored_shifts[mask, 1] *= -1
    out = crop_padded(padded, rows, mirrored_shifts, pad)
    images = as_images(out)
    images[mask] = images[mask][..., ::-1]
    return out


class PaddedImages:
    """A set of images zero-padded once for random crops, so that each batch is gathered and
    cropped in one copy of its images (then the mirrored half flipped in place), instead of a
    gather, a padded copy of the batch and a crop (`augment_batch`): one copy of the pixels instead
    of three (measured: docs/performance.md). Same draws from ``rng`` and same pixels as
    ``augment_batch(x[rows], rng, flip, pad)``.

        source = PaddedImages(train_x, pad=4)
        xb = source.batch(rows, rng, flip=True)
    """

    def __init__(self, x: np.ndarray, pad: int):
        if not 0 < pad < SIDE:
            raise ValueError(f"crop padding must be 1..{SIDE - 1} pixels, got {pad}")
        self.pad = pad
        self.padded = zero_pad(x, pad)  # (N, 3, 32 + 2 pad, 32 + 2 pad): (1 + pad / 16)^2 times x's memory

    def batch(self, rows: np.ndarray, rng: np.random.Generator, flip: bool) -> np.ndarray:
        mask, shifts = draw(rng, len(rows), flip, self.pad)
        return _crop_then_mirror(self.padded, rows, mask, shifts, self.pad)
