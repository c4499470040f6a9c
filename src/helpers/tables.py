"""Markdown tables of works, rendered by myst-nb as MyST so that {cite} roles in them resolve."""
from __future__ import annotations

import re
from html import escape as html_escape
from urllib.parse import quote, urlparse

import pandas as pd
from IPython.display import Markdown

from . import load

DIRECTION_LABELS = {
    "vlm-generates": "VLM generates",
    "for-vlm": "for a VLM",
    "both": "both",
    "unknown": "unknown",
    "": "—",
}
NOT_FILLED = "—"
_PUNCTUATION = set("\\`*_{}[]()<>#+-.!|$~&\"':@^=%")


def escape(text: str) -> str:
    """Make data safe inside Markdown: every ASCII punctuation mark is backslash-escaped, so a
    title with `<script>`, `|` or a role-like `{cite}` shows as text instead of being interpreted."""
    return "".join(f"\\{c}" if c in _PUNCTUATION else c for c in str(text).replace("\n", " "))


def _cell(value) -> str:
    if isinstance(value, list):
        return escape(", ".join(value)) if value else NOT_FILLED
    return escape(value) if value else NOT_FILLED


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _list_or_unknown(row: pd.Series, column: str) -> str:
    return "unknown" if row[f"{column}_cell"] == "unknown" else _cell(row[column])


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word and marked with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit - 1) if " " in text[: limit - 1] else limit - 1].rstrip(" ,;(") + "…"


def short_list(values: list[str], cell: str, most: int = 3) -> str:
    if not values:
        return "unknown" if cell == "unknown" else NOT_FILLED
    shown = ", ".join(values[:most]) + (f" +{len(values) - most}" if len(values) > most else "")
    return escape(shown)


WORKS_ROW_COLUMNS = ["key", "title", "venue", "year", "direction", "generators", "generators_cell",
                     "data_kinds", "data_kinds_cell", "dataset", "dataset_size"]


def works_rows(works: pd.DataFrame) -> list[list[str]]:
    """Compact rows: short cells that keep every row to a line or two; the full record of each
    work is one click away in the explorer (its last cell links there)."""
    rows = []
    for _, row in works[WORKS_ROW_COLUMNS].iterrows():  # only what the rows show (helpers.reads)
        # the name before any parenthesis or list; the explorer has the rest
        dataset = shorten(re.split(r" \(|;", row["dataset"], maxsplit=1)[0], 40) if row["dataset"] else ""
        size = row["dataset_size"] if row["dataset_size"] not in ("", "unknown") else ""
        if size:
            size = shorten(re.split(r"[;(]", size, maxsplit=1)[0], 28)
            dataset = f"{dataset} ({size})" if dataset else size
        rows.append([
            f"{{cite:t}}`{row['key']}`: *{escape(shorten(row['title'], 90))}*",
            escape(f"{row['venue']} {row['year']}"),
            DIRECTION_LABELS.get(row["direction"], escape(row["direction"])),
            short_list(row["generators"], row["generators_cell"]),
            short_list(row["data_kinds"], row["data_kinds_cell"]),
            _cell(dataset),
            f'<a href="explorer.html?work={quote(row["key"])}" '
            f'aria-label="Full record of {html_escape(shorten(row["title"], 60))}">record</a>',
        ])
    return rows


WORKS_HEADER = ["Work", "Venue", "Direction", "Generator(s)", "Synthesized data", "Dataset (size)", "Details"]


def works_table(task: str, root=None) -> Markdown:
    """The table of one task chapter: every work of that category, ordered by year then key,
    preceded by a link to the paper explorer filtered to the same category."""
    try:
        selected = load.of_task(load.catalogue(root), task)
    except ValueError:
        known = ", ".join(load.tasks(root)["id"])
        raise ValueError(f"no works for task {task!r}; tasks are: {known}") from None
    title = selected["task_title"].iloc[0]
    link = f'<a href="explorer.html?task={quote(title)}">Open these works in the paper explorer</a>'
    return Markdown(link + "\n\n" + markdown_table(WORKS_HEADER, works_rows(selected)))


GENERATOR_GROUPS = {  # (kind, access) -> label; the order is the figures' legend order
    ("llm", "closed-api"): "closed text-only LLM",
    ("vlm", "closed-api"): "closed VLM",
    ("llm", "open-weights"): "open text-only LLM",
    ("vlm", "open-weights"): "open VLM",
    ("diffusion", "open-weights"): "diffusion model",
    ("program", "programmatic"): "code / renderer",
}
OTHER_GROUP = "other or unknown access"


def generator_group(kind: str, access: str) -> str:
    if kind == "diffusion":
        return "diffusion model"
    return GENERATOR_GROUPS.get((kind, access), OTHER_GROUP)


def generator_groups_per_year(root=None) -> pd.DataFrame:
    """Works per year (rows) using each group of generator (columns, in legend order). A work that
    uses two groups counts once in each; works with no named generator are left out."""
    works = load.catalogue(root)
    generators = load.table("generators", root).set_index("name")
    pairs = {(int(w.year), generator_group(generators.at[g, "kind"], generators.at[g, "access"]), w.key)
             for w in works[["year", "generators", "key"]].itertuples() for g in w.generators}
    table = pd.DataFrame(sorted(pairs), columns=["year", "group", "key"]).groupby(["year", "group"]).size()
    table = table.unstack(fill_value=0)
    order = [g for g in [*GENERATOR_GROUPS.values(), OTHER_GROUP] if g in table.columns]
    return table[order]


def corpus_facts(root=None) -> dict[str, int]:
    """Numbers that prose quotes (through glue), so that they follow the data."""
    works = load.catalogue(root)
    peer_reviewed = works["venue"] != "arXiv"
    return {
        "works": len(works),
        "tasks": int(works["task"].nunique()),
        "first_year": int(works["year"].min()),
        "last_year": int(works["year"].max()),
        "peer_reviewed": int(peer_reviewed.sum()),
        "preprints": int((~peer_reviewed).sum()),
        "vlm_generates": int((works["direction"] == "vlm-generates").sum()),
        "for_vlm": int((works["direction"] == "for-vlm").sum()),
        "both": int((works["direction"] == "both").sum()),
        "direction_unknown": int((works["direction"] == "unknown").sum()),
        "closed_generator": int(works["generator_access"].map(lambda a: "closed-api" in a).sum()),
        "open_generator": int(works["generator_access"].map(lambda a: "open-weights" in a).sum()),
        "programmatic_generator": int(works["generator_access"].map(lambda a: "programmatic" in a).sum()),
        "generator_unknown": int((works["generators"].map(len) == 0).sum()),
    }


def synthesis_facts(root=None) -> dict[str, int | str]:
    """Counts behind the Conclusion's claims about recipes and trends, glued into its prose.

    Shares are whole percentages of the works whose generator is known, so that unknowns do not
    dilute them; `trend_last_year` is the latest year with at least ten works (a lone early
    listing of next year's venue says nothing about a trend). The `*_trend` words ("fell", "rose",
    "held") let prose describe the change without a data edit silently contradicting it."""
    works = load.catalogue(root)
    generators = load.table("generators", root).set_index("name")
    kinds = works["generators"].map(lambda names: {generators.at[n, "kind"] for n in names})
    has = lambda column, value: int(works[column].map(lambda listed: value in listed).sum())  # noqa: E731
    known = works[works["generators"].map(len) > 0]
    sizes = works[["year"]].groupby("year").size()
    first, last = int(sizes.index.min()), int(sizes[sizes >= 10].index.max())

    def share(year: int, access: str) -> int:
        rows = known[known["year"] == year]
        return round(100 * rows["generator_access"].map(lambda a: access in a).sum() / max(len(rows), 1))

    def trend(access: str, start: int = first, end: int = last) -> str:
        before, after = share(start, access), share(end, access)
        return "fell" if after < before else "rose" if after > before else "held"

    mid = last - 1  # the year before the last: is the change between the last two years the same?

    return {
        "self_generated": has("generators", "own model"),
        "gpt_family": int(works["generators"].map(lambda g: any(n.startswith("GPT") for n in g)).sum()),
        "diffusion": int(kinds.map(lambda k: "diffusion" in k).sum()),
        "instructions": has("data_kinds", "instructions"),
        "benchmarks": has("data_kinds", "benchmark"),
        "reasoning_chains": has("data_kinds", "reasoning-chains"),
        "preference_or_feedback": int(works["data_kinds"].map(
            lambda k: "preference-pairs" in k or "feedback" in k).sum()),
        "synthetic_images": has("data_kinds", "images"),
        "for_training": has("purpose", "training"),
        "for_alignment": has("purpose", "alignment"),
        "for_evaluation": has("purpose", "evaluation"),
        "trend_first_year": first,
        "trend_last_year": last,
        "closed_share_first": share(first, "closed-api"),
        "closed_share_last": share(last, "closed-api"),
        "open_share_first": share(first, "open-weights"),
        "open_share_last": share(last, "open-weights"),
        "closed_trend": trend("closed-api"),
        "open_trend": trend("open-weights"),
        "trend_mid_year": mid,
        "known_first": int((known["year"] == first).sum()),
        "closed_share_mid": share(mid, "closed-api"),
        "open_share_mid": share(mid, "open-weights"),
        "programmatic_share_first": share(first, "programmatic"),
        "programmatic_share_mid": share(mid, "programmatic"),
        "programmatic_share_last": share(last, "programmatic"),
        "closed_trend_late": trend("closed-api", mid, last),
        "open_trend_late": trend("open-weights", mid, last),
        "programmatic_trend": trend("programmatic"),
    }


# Where a row's facts were read (its source_url), by host. Anything not listed counts as a
# third-party copy: the cautious default when a new host appears.
SOURCE_KINDS = {
    "arXiv page or full text": {"arxiv.org", "www.arxiv.org", "ar5iv.labs.arxiv.org"},
    "proceedings or review record": {"aclanthology.org", "preview.aclanthology.org", "openreview.net",
                                     "openaccess.thecvf.com", "papers.nips.cc", "nips.cc", "icml.cc",
                                     "iclr.cc", "proceedings.iclr.cc", "mlanthology.org"},
    "authors' repository, data card or page": {"github.com", "web.cs.ucla.edu", "research.nvidia.com",
                                               "machinelearning.apple.com", "pure.nwpu.edu.cn", "rabiul.me"},
}
THIRD_PARTY = "third-party copy or summary"


def source_kind(url: str) -> str:
    """Classify the page a work's facts were read from (see SOURCE_KINDS)."""
    parsed = urlparse(url)
    host = parsed.netloc.lower()
    if host == "huggingface.co" and parsed.path.startswith("/datasets/"):
        return "authors' repository, data card or page"
    if host.endswith(".github.io"):
        return "authors' repository, data card or page"
    for kind, hosts in SOURCE_KINDS.items():
        if host in hosts:
            return kind
    return THIRD_PARTY


def provenance_counts(root=None) -> Markdown:
    """How many works were checked against each kind of source."""
    kinds = load.catalogue(root)["source_url"].map(source_kind).value_counts()
    order = [*SOURCE_KINDS, THIRD_PARTY]
    rows = [[escape(kind), str(int(kinds.get(kind, 0)))] for kind in order]
    return Markdown(markdown_table(["Source the facts were read from", "Works"], rows))


def third_party_sources(root=None) -> Markdown:
    """The works whose facts were read from a third-party copy, so that readers can weigh them."""
    works = load.catalogue(root)
    works = works[["key", "source_url"]]
    works = works[works["source_url"].map(source_kind) == THIRD_PARTY].sort_values("key")
    rows = [[f"{{cite:t}}`{w.key}`", f'<a href="{html_escape(w.source_url)}">{escape(urlparse(w.source_url).netloc)}</a>']
            for w in works.itertuples()]
    return Markdown(markdown_table(["Work", "Page read"], rows))


def corrections_table(root=None) -> Markdown:
    """Every departure of this book from the original reading list, with its evidence."""
    corrections = load.table("corrections", root)
    rows = []
    for c in corrections.itertuples():
        evidence = f'<a href="{html_escape(c.evidence_url)}">source</a>'
        rows.append([f"{{cite:t}}`{c.key}`", escape(c.field), escape(c.listed), escape(c.corrected),
                     evidence, escape(c.note) if c.note else NOT_FILLED])
    return Markdown(markdown_table(["Work", "Field", "Original list", "This book", "Evidence", "Note"], rows))


EVIDENCE_SOURCES = {"paper": "the paper's full text", "repository": "the authors' code repository",
                    "project-page": "the project page", "dataset-card": "a dataset card", "model-card": "a model card"}


def evidence_counts(root=None) -> Markdown:
    """Where the catalogue's facts come from: facet values read in each kind of primary source
    (data/evidence.csv), the rest from the abstracts, and how many facets no source states."""
    from .validate import FACETS

    # a facet's state (stated, `unknown`, not filled), not its value: editing a stated value
    # does not re-run the page (helpers.reads)
    works = load.catalogue(root)[["key", *(f"{f}_state" for f in FACETS)]]
    evidence = load.table("evidence", root)
    known = {(w.key, f) for w in works.itertuples() for f in FACETS if getattr(w, f"{f}_state") == "stated"}
    sourced = set(zip(evidence["key"], evidence["facet"])) & known
    unknown = sum(getattr(w, f"{f}_state") == "unknown" for w in works.itertuples() for f in FACETS)
    rows = [["the abstract (no other source recorded)", str(len(known - sourced))]]
    for source, label in EVIDENCE_SOURCES.items():
        facts = set(zip(evidence.loc[evidence["source"] == source, "key"],
                        evidence.loc[evidence["source"] == source, "facet"])) & known
        rows.append([escape(label), str(len(facts))])
    rows.append(["no source read states it (`unknown`)", str(unknown)])
    return Markdown(markdown_table(["Where a facet's value was read", "Facet values"], rows)
                    + "\n\nA value read in several kinds of source counts once for each.")
