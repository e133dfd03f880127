"""The bundled UCI "Optical Recognition of Handwritten Digits" test set (1797 8x8 images).

Source: E. Alpaydin, C. Kaynak (1998), UCI Machine Learning Repository, licence CC BY 4.0.
Each row of digits.csv.gz: 64 integers 0..16 (row-major 8x8 image), then the label 0..9.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np


from ..ops.creation import from_numpy

DIGITS_PATH = Path(__file__).with_name("digits.csv.gz")


def load_digits(normalize: bool = True):
    """(images, labels): float32 (1797, 64) scaled to [0, 1] (raw 0..16 if not normalize), int64 (1797,).

    Example:
    >>> images, labels = tl.data.load_digits()
    >>> images.shape, labels.shape, images.max().item()
    (tensorlite.Size([1797, 64]), tensorlite.Size([1797]), 1.0)
    """
    with gzip.open(DIGITS_PATH, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise ValueError(f"{DIGITS_PATH}: expected 65 columns (64 pixels + label), got {table.shape}")
    images = table[:, :64].astype(np.float32)
    if normalize:
        images /= 16.0
    labels = np.ascontiguousarray(table[:, 64])
    return from_numpy(np.ascontiguousarray(images)), from_numpy(labels)


