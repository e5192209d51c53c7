"""Data augmentation of flattened CIFAR-10 batches, in NumPy.

A batch is ``(N, 3072)``, channel-major (1024 red values, then green, then
blue, each a 32 x 32 image stored row by row), already normalised (or whitened). Every random
draw comes from the generator passed in (the trainer's seeded batch generator),
so augmented runs are reproducible.

    x = augment_batch(x, rng, flip=True, crop_pad=4)
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


def crop(x: np.ndarray, shifts: np.ndarray, pad: int) -> np.ndarray:
    """Random-crop augmentation: each image zero-padded by ``pad`` pixels on every side, then the
    32 x 32 window at offset ``pad + shift`` cut out again.

    ``shifts`` is (N, 2) integers in ``[-pad, pad]``: (down, right) for each image, so output
    pixel (i, j) is input pixel (i + down, j + right), or 0 where that falls outside the image.
    Zero is the mean pixel of the normalised data.
    """
    n = len(x)
    if shifts.shape != (n, 2) or np.abs(shifts).max(initial=0) > pad:
        raise ValueError(f"shifts must be ({n}, 2) integers in [-{pad}, {pad}]")
    padded = np.zeros((n, CHANNELS, SIDE + 2 * pad, SIDE + 2 * pad), dtype=x.dtype)
    padded[:, :, pad:pad + SIDE, pad:pad + SIDE] = as_images(x)
    # Every 32 x 32 window of every padded image, as a view: (N, 3, 2 pad + 1, 2 pad + 1, 32, 32).
    windows = np.lib.stride_tricks.sliding_window_view(padded, (SIDE, SIDE), axis=(2, 3))
    out = windows[np.arange(n), :, pad + shifts[:, 0], pad + shifts[:, 1]]  # (N, 3, 32, 32), a copy
    return out.reshape(n, -1)


def augment_batch(x: np.ndarray, rng: np.random.Generator, flip: bool = False, crop_pad: int = 0) -> np.ndarray:
    """Random horizontal flips (probability 1/2 each), then random crops (shift up to ``crop_pad`` pixels
    each way) of a batch. With neither it returns ``x`` itself and draws nothing from ``rng``."""
    mask = rng.random(len(x)) < 0.5 if flip else None
    if not crop_pad:
        return x if mask is None else hflip(x, mask)
    shifts = rng.integers(-crop_pad, crop_pad + 1, size=(len(x), 2))
    if mask is None:
        return crop(x, shifts, crop_pad)
    # Mirroring then shifting right by s is shifting left by s then mirroring: crop first (one copy of
    # the batch), then mirror the cropped images in place, instead of copying the batch twice.
    mirrored_shifts = shifts.copy()
    mirrored_shifts[mask, 1] *= -1
    out = crop(x, mirrored_shifts, crop_pad)
    images = as_images(out)
    images[mask] = images[mask][..., ::-1]
    return out
