"""Tests of the helpers behind the Preliminaries and the Conclusion: the numpy demonstrations,
the architecture diagrams and the facts glued into prose."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import read_rows, svg_background, write_rows
from helpers import demos, diagrams, figures, load, tables

REPO = Path(__file__).resolve().parents[1]


def naive_info_nce(images, texts, temperature):
    """The CLIP loss written out with loops, as an independent reference."""
    n = len(images)
    unit = lambda v: [x / math.sqrt(sum(y * y for y in v)) for x in v]  # noqa: E731
    images, texts = [unit(list(v)) for v in images], [unit(list(v)) for v in texts]
    s = [[sum(a * b for a, b in zip(images[i], texts[j])) / temperature for j in range(n)] for i in range(n)]
    image_to_text = sum(-s[i][i] + math.log(sum(math.exp(s[i][j]) for j in range(n))) for i in range(n)) / n
    text_to_image = sum(-s[j][j] + math.log(sum(math.exp(s[i][j]) for i in range(n))) for j in range(n)) / n
    return (image_to_text + text_to_image) / 2


@pytest.mark.parametrize("temperature", [0.07, 0.5, 2.0])
def test_info_nce_matches_a_loop_implementation(temperature):
    rng = np.random.default_rng(3)
    images, texts = rng.normal(size=(5, 7)), rng.normal(size=(5, 7))
    assert demos.info_nce(images, texts, temperature) == pytest.approx(naive_info_nce(images, texts, temperature))


def test_info_nce_reference_points():
    n = 8
    same = np.ones((n, 4))  # every pair looks alike: the model can only guess
    assert demos.info_nce(same, same, 0.1) == pytest.approx(math.log(n))
    distinct = np.eye(n)  # orthogonal pairs, sharp temperature: almost no loss
    assert demos.info_nce(distinct, distinct, 0.01) < 1e-6
    images, texts = demos.toy_pairs(n=n, noise=1.0, seed=2)
    assert demos.info_nce(images, texts) == pytest.approx(demos.info_nce(texts, images))  # symmetric
    shuffled = texts[np.roll(np.arange(n), 1)]
    assert demos.info_nce(images, shuffled) > math.log(n) > demos.info_nce(images, texts)


def test_looser_captions_cost_more():
    losses = [np.mean([demos.info_nce(*demos.toy_pairs(n=6, noise=noise, seed=seed)) for seed in range(20)])
              for noise in (0.5, 1.0, 2.0, 4.0)]
    assert losses == sorted(losses)


def test_similarity_logits_checks_its_input():
    images, texts = demos.toy_pairs(n=4)
    logits = demos.similarity_logits(images, texts, temperature=0.5)
    assert logits.shape == (4, 4)
    assert np.abs(logits).max() <= 1 / 0.5 + 1e-9  # cosine similarities, scaled
    with pytest.raises(ValueError, match="temperature"):
        demos.similarity_logits(images, texts, temperature=0)
    with pytest.raises(ValueError, match="as many texts as images"):
        demos.similarity_logits(images, texts[:3])


@pytest.mark.parametrize("size, patch, tokens", [(224, 14, 256), (336, 14, 576), (448, 14, 1024), (64, 16, 16)])
def test_visual_token_count(size, patch, tokens):
    assert demos.visual_token_count(size, patch) == tokens


def test_grid_side_refuses_sizes_that_do_not_divide():
    with pytest.raises(ValueError, match="not a multiple"):
        demos.grid_side(300, 14)


def test_patchify_keeps_every_pixel_in_row_major_order():
    image = np.arange(28 * 42 * 3, dtype=float).reshape(28, 42, 3)
    patches = demos.patchify(image, patch_size=14)
    assert patches.shape == (2 * 3, 14 * 14 * 3)
    # patch 4 is the second row of patches, second column
    assert np.array_equal(patches[4], image[14:28, 14:28].ravel())
    assert sorted(patches.ravel()) == sorted(image.ravel())


def test_projector_and_bottleneck_shapes():
    for size in (224, 448):
        patches = demos.patchify(np.random.default_rng(0).random((size, size, 3)), 14)
        assert demos.project(patches, out_dim=64).shape == (demos.visual_token_count(size), 64)
        queried = demos.query_bottleneck(patches, n_queries=32)
        assert queried.shape == (32, patches.shape[1])
        # attention averages the patches, so every output stays inside their range
        assert (queried >= patches.min(axis=0) - 1e-9).all() and (queried <= patches.max(axis=0) + 1e-9).all()


def test_diagrams_and_demo_figures_are_deterministic_opaque_svgs():
    logits = demos.similarity_logits(*demos.toy_pairs())
    draws = {"dual_encoder": diagrams.dual_encoder, "generative_vlms": diagrams.generative_vlms,
             "training_stages": lambda: diagrams.training_stages(REPO),
             "similarity_heatmap": lambda: figures.similarity_heatmap(logits),
             "visual_tokens": figures.visual_tokens}
    for name, draw in draws.items():
        first, second = draw().data, draw().data
        assert first == second, name
        assert "<title>" in first and "<dc:date>" not in first, name
        assert svg_background(first) == "#ffffff", name


def test_tint_lightens_towards_white():
    assert diagrams.tint("#000000", 0.5) == "#808080"
    assert diagrams.tint("#56B4E9", 0) == "#56B4E9"
    assert diagrams.tint("#56B4E9", 1) == "#FFFFFF"


def test_training_stages_follow_the_data(book):
    before = diagrams.training_stages(book).data
    write_rows(book, "papers", [dict(row, purpose="evaluation") for row in read_rows(book, "papers")])
    facts = tables.synthesis_facts(book)
    assert (facts["for_training"], facts["for_alignment"], facts["for_evaluation"]) == (0, 0, 125)
    assert diagrams.training_stages(book).data != before


def test_synthesis_facts_follow_the_csv():
    rows = read_rows(REPO, "papers")
    facts = tables.synthesis_facts(REPO)
    split = lambda cell: [x.strip() for x in cell.split(";") if x.strip() and x.strip() != "unknown"]  # noqa: E731
    for key, column, value in (("for_training", "purpose", "training"), ("for_alignment", "purpose", "alignment"),
                               ("for_evaluation", "purpose", "evaluation"), ("benchmarks", "data_kinds", "benchmark"),
                               ("self_generated", "generators", "own model")):
        assert facts[key] == sum(value in split(r[column]) for r in rows), key
    # the closed-API share is taken over works with a named generator in the given year
    access = {g["name"]: g["access"] for g in read_rows(REPO, "generators")}
    years = load.catalogue(REPO).set_index("key")["year"]  # years live in references.bib
    for year, name in ((facts["trend_first_year"], "closed_share_first"), (facts["trend_last_year"], "closed_share_last")):
        named = [r for r in rows if years[r["key"]] == year and split(r["generators"])]
        closed = sum(any(access[g] == "closed-api" for g in split(r["generators"])) for r in named)
        assert facts[name] == round(100 * closed / len(named)), name


def test_trend_words_agree_with_the_shares():
    facts = tables.synthesis_facts(REPO)
    for access in ("closed", "open"):
        first, last = facts[f"{access}_share_first"], facts[f"{access}_share_last"]
        expected = "fell" if last < first else "rose" if last > first else "held"
        assert facts[f"{access}_trend"] == expected, access


@pytest.mark.parametrize("url, kind", [
    ("https://arxiv.org/abs/2304.08485", "arXiv page or full text"),
    ("https://ar5iv.labs.arxiv.org/html/2503.16826", "arXiv page or full text"),
    ("https://aclanthology.org/2024.sigdial-1.36", "proceedings or review record"),
    ("https://huggingface.co/datasets/PengxiangLi/FIRE/resolve/main/README.md", "authors' repository, data card or page"),
    ("https://llavar.github.io/", "authors' repository, data card or page"),
    ("https://huggingface.co/papers/2411.00394", tables.THIRD_PARTY),
    ("https://arxiv.org.example.com/abs/1", tables.THIRD_PARTY),
])
def test_source_kind(url, kind):
    assert tables.source_kind(url) == kind


def test_provenance_tables_cover_every_work():
    rows = read_rows(REPO, "papers")
    counts = tables.provenance_counts(REPO).data.splitlines()[2:]
    assert sum(int(line.rsplit("|", 2)[1]) for line in counts) == len(rows)
    third = [r["key"] for r in rows if tables.source_kind(r["source_url"]) == tables.THIRD_PARTY]
    listed = re.findall(r"\{cite:t\}`([^`]+)`", tables.third_party_sources(REPO).data)
    assert listed == sorted(third)


PRELIMINARIES = Path(__file__).resolve().parents[1] / "chapters" / "preliminaries.md"


def things_to_try() -> list[str]:
    """The code named by each suggestion of the chapter's 'Things to try' (its inline code calls)."""
    section = PRELIMINARIES.read_text(encoding="utf-8").split("## Things to try", 1)[1]
    return [code for code in re.findall(r"`([^`]+)`", section) if "(" in code and "{" not in code]


def test_there_are_things_to_try():
    assert len(things_to_try()) >= 4


@pytest.mark.parametrize("code", things_to_try())
def test_every_thing_to_try_runs(code):
    import numpy as np

    from helpers import demos, figures

    result = eval(code, {"demos": demos, "figures": figures, "np": np})  # noqa: S307 - the book's own text
    assert result is not None


def test_the_shuffled_row_leaves_no_true_pair():
    """The demonstration labelled 'no true pairs' must move every caption away from its image."""
    import numpy as np

    from helpers import demos

    line = next(l for l in PRELIMINARIES.read_text(encoding="utf-8").splitlines() if l.startswith("shuffled = "))
    images, texts = demos.toy_pairs(n=6, dim=32, noise=1.0, seed=0)
    namespace = {"np": np, "texts": texts}
    exec(line, namespace)  # noqa: S102 - the chapter's own line
    shuffled = namespace["shuffled"]
    assert sorted(map(tuple, shuffled.round(9))) == sorted(map(tuple, texts.round(9))), "not a permutation"
    assert not any(np.allclose(a, b) for a, b in zip(shuffled, texts)), "a caption kept its own image"
