"""Toy versions of the two VLM building blocks of the Preliminaries, in numpy only.

They run in milliseconds on a CPU and download nothing, so an educator can change a number and
re-run a cell. Random numbers stand in for encoder outputs: the point is the arithmetic of the
contrastive loss and of visual tokens, not what a trained model would output.
"""
from __future__ import annotations

import numpy as np


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Scale every row to length 1, so that dot products are cosine similarities."""
    x = np.asarray(x, dtype=float)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def toy_pairs(n: int = 6, dim: int = 32, noise: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A batch of n matching (image, text) embeddings: both are noisy views of one hidden concept.

    `noise` sets how far each embedding strays from its concept; with large noise the pairs
    become hard to tell apart, as with weakly aligned web captions."""
    if n < 2 or dim < 1 or noise < 0:
        raise ValueError("need n >= 2, dim >= 1 and noise >= 0")
    rng = np.random.default_rng(seed)
    concepts = rng.normal(size=(n, dim))
    images = concepts + noise * rng.normal(size=(n, dim))
    texts = concepts + noise * rng.normal(size=(n, dim))
    return unit_rows(images), unit_rows(texts)


def similarity_logits(images: np.ndarray, texts: np.ndarray, temperature: float = 0.07) -> np.ndarray:
    """Every image against every text: cosine similarity divided by the temperature.

    Row i holds image i's scores for all texts; the matching pairs sit on the diagonal."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    images, texts = unit_rows(images), unit_rows(texts)
    if images.shape != texts.shape:
        raise ValueError(f"need as many texts as images, got {images.shape} and {texts.shape}")
    return images @ texts.T / temperature


def _diagonal_cross_entropy(logits: np.ndarray, axis: int) -> float:
    # log-softmax along `axis`, shifted by the maximum so that exp() cannot overflow
    shifted = logits - logits.max(axis=axis, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return float(-np.mean(np.diag(log_probs)))


def info_nce(images: np.ndarray, texts: np.ndarray, temperature: float = 0.07) -> float:
    """Symmetric contrastive (InfoNCE) loss of a batch, as in CLIP's training objective.

    Each image must pick its own text out of the batch (a softmax over a row) and each text its
    own image (a softmax over a column); the loss is the mean of the two cross-entropies."""
    logits = similarity_logits(images, texts, temperature)
    return (_diagonal_cross_entropy(logits, axis=1) + _diagonal_cross_entropy(logits, axis=0)) / 2


def grid_side(image_size: int, patch_size: int = 14) -> int:
    """Patches along one side of a square image cut into patch_size x patch_size squares."""
    if patch_size < 1 or image_size < patch_size or image_size % patch_size:
        raise ValueError(f"image size {image_size} is not a multiple of patch size {patch_size}")
    return image_size // patch_size


def visual_token_count(image_size: int, patch_size: int = 14) -> int:
    """Tokens a projector-style VLM hands to its language model: one per patch, so side squared."""
    return grid_side(image_size, patch_size) ** 2


def patchify(image: np.ndarray, patch_size: int = 14) -> np.ndarray:
    """Cut an (H, W, C) image into a sequence of flattened patches, row by row: (H*W/p^2, p*p*C)."""
    height, width, channels = image.shape
    rows, cols = grid_side(height, patch_size), grid_side(width, patch_size)
    blocks = image.reshape(rows, patch_size, cols, patch_size, channels).swapaxes(1, 2)
    return blocks.reshape(rows * cols, patch_size * patch_size * channels)


def project(features: np.ndarray, out_dim: int, seed: int = 0) -> np.ndarray:
    """A linear projector: one matrix maps every patch feature into the language model's width.

    The weights are random here; in a trained VLM they are learned in the alignment stage."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(scale=features.shape[1] ** -0.5, size=(features.shape[1], out_dim))
    return features @ weights


def query_bottleneck(features: np.ndarray, n_queries: int = 32, seed: int = 0) -> np.ndarray:
    """One cross-attention step from n_queries query vectors to the patch features.

    However many patches come in, n_queries vectors come out: the idea behind BLIP-2's Q-Former
    (which stacks many such layers with learned queries)."""
    rng = np.random.default_rng(seed)
    dim = features.shape[1]
    queries = rng.normal(size=(n_queries, dim))
    scores = queries @ features.T / np.sqrt(dim)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return weights @ features
