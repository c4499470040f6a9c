"""Plumbing for the multilingual lab: per-culture lists of cultural concepts with their names in four
languages (only names the lab's author could check; a missing name is a real gap), country names, an
English seed list, the language-identification helpers (scripts by Unicode character names, marker
words drawn from the templates), and the drawings. The page keeps the templates, the question writer
and its faults, the verifier, the filter and the coverage counts."""
from __future__ import annotations

import unicodedata

import matplotlib.pyplot as plt
import numpy as np

from . import common

CHAPTER = "multilingual"
TITLE = "Cultural questions in four languages, checked per language"
QUESTION = ("When question templates are carried into several languages and filled from per-culture "
            "concept lists, what do the checks catch, and which concepts does translating only an "
            "English seed leave out?")
MIRRORS = ["shin2024xllava", "liu2025culturevlm"]
SKILLS = "multilingual templates, language identification, coverage per language and culture"
MINUTES = 35
MEASURES = False

LANGUAGES = ("en", "es", "de", "ru")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "de": "German", "ru": "Russian"}
SCRIPTS = {"en": "Latin", "es": "Latin", "de": "Latin", "ru": "Cyrillic"}
CATEGORIES = ("food", "festival", "clothing")

COUNTRIES = {  # the answer to "which country?", in each language
    "Japan": {"en": "Japan", "es": "Japón", "de": "Japan", "ru": "Япония"},
    "India": {"en": "India", "es": "India", "de": "Indien", "ru": "Индия"},
    "Mexico": {"en": "Mexico", "es": "México", "de": "Mexiko", "ru": "Мексика"},
    "Spain": {"en": "Spain", "es": "España", "de": "Spanien", "ru": "Испания"},
    "Germany": {"en": "Germany", "es": "Alemania", "de": "Deutschland", "ru": "Германия"},
    "Russia": {"en": "Russia", "es": "Rusia", "de": "Russland", "ru": "Россия"},
    "United States": {"en": "the United States", "es": "Estados Unidos", "de": "die USA", "ru": "США"},
    "Nigeria": {"en": "Nigeria", "es": "Nigeria", "de": "Nigeria", "ru": "Нигерия"},
}


def _concept(culture, category, **names):
    return {"culture": culture, "category": category, "names": names}


# Each culture's own list. Names are given only where the lab's author is sure of them; the gaps are
# left open on purpose, as they would be in a real collection until a speaker fills them.
CONCEPTS = {
    "sushi": _concept("Japan", "food", en="sushi", es="sushi", de="Sushi", ru="суши"),
    "ramen": _concept("Japan", "food", en="ramen", es="ramen", de="Ramen", ru="рамен"),
    "hanami": _concept("Japan", "festival", en="hanami", es="hanami", de="Hanami", ru="ханами"),
    "kimono": _concept("Japan", "clothing", en="kimono", es="kimono", de="Kimono", ru="кимоно"),
    "yukata": _concept("Japan", "clothing", en="yukata", es="yukata", de="Yukata", ru="юката"),
    "biryani": _concept("India", "food", en="biryani", es="biryani", de="Biryani", ru="бирьяни"),
    "diwali": _concept("India", "festival", en="Diwali", es="Diwali", de="Diwali", ru="Дивали"),
    "holi": _concept("India", "festival", en="Holi", es="Holi", de="Holi", ru="Холи"),
    "sari": _concept("India", "clothing", en="sari", es="sari", de="Sari", ru="сари"),
    "kurta": _concept("India", "clothing", en="kurta", es="kurta", de="Kurta", ru="курта"),
    "tamales": _concept("Mexico", "food", en="tamales", es="tamales", de="Tamales", ru="тамале"),
    "mole": _concept("Mexico", "food", en="mole", es="mole", de="Mole", ru="моле"),
    "day of the dead": _concept("Mexico", "festival", en="Day of the Dead", es="Día de Muertos",
                                de="Tag der Toten", ru="День мёртвых"),
    "rebozo": _concept("Mexico", "clothing", en="rebozo", es="rebozo", de="Rebozo"),
    "huipil": _concept("Mexico", "clothing", en="huipil", es="huipil"),
    "paella": _concept("Spain", "food", en="paella", es="paella", de="Paella", ru="паэлья"),
    "gazpacho": _concept("Spain", "food", en="gazpacho", es="gazpacho", de="Gazpacho", ru="гаспачо"),
    "tomatina": _concept("Spain", "festival", en="La Tomatina", es="La Tomatina", de="La Tomatina", ru="Томатина"),
    "fallas": _concept("Spain", "festival", en="Las Fallas", es="Fallas", de="Fallas"),
    "mantilla": _concept("Spain", "clothing", en="mantilla", es="mantilla", de="Mantilla", ru="мантилья"),
    "sauerkraut": _concept("Germany", "food", en="sauerkraut", es="chucrut", de="Sauerkraut", ru="квашеная капуста"),
    "bratwurst": _concept("Germany", "food", en="bratwurst", de="Bratwurst"),
    "oktoberfest": _concept("Germany", "festival", en="Oktoberfest", es="Oktoberfest", de="Oktoberfest",
                            ru="Октоберфест"),
    "dirndl": _concept("Germany", "clothing", en="dirndl", es="dirndl", de="Dirndl", ru="дирндль"),
    "lederhosen": _concept("Germany", "clothing", en="lederhosen", de="Lederhose"),
    "blini": _concept("Russia", "food", en="blini", de="Blini", ru="блины"),
    "borscht": _concept("Russia", "food", en="borscht", es="borsch", de="Borschtsch", ru="борщ"),
    "pelmeni": _concept("Russia", "food", en="pelmeni", es="pelmeni", de="Pelmeni", ru="пельмени"),
    "maslenitsa": _concept("Russia", "festival", en="Maslenitsa", de="Masleniza", ru="Масленица"),
    "ushanka": _concept("Russia", "clothing", en="ushanka", es="ushanka", de="Uschanka", ru="ушанка"),
    "kokoshnik": _concept("Russia", "clothing", en="kokoshnik", de="Kokoschnik", ru="кокошник"),
    "hamburger": _concept("United States", "food", en="hamburger", es="hamburguesa", de="Hamburger", ru="гамбургер"),
    "hot dog": _concept("United States", "food", en="hot dog", es="perrito caliente", de="Hotdog", ru="хот-дог"),
    "thanksgiving": _concept("United States", "festival", en="Thanksgiving", es="Día de Acción de Gracias",
                             de="Thanksgiving", ru="День благодарения"),
    "halloween": _concept("United States", "festival", en="Halloween", es="Halloween", de="Halloween", ru="Хэллоуин"),
    "cowboy hat": _concept("United States", "clothing", en="cowboy hat", es="sombrero vaquero", de="Cowboyhut",
                           ru="ковбойская шляпа"),
    "jollof rice": _concept("Nigeria", "food", en="jollof rice"),
    "egusi soup": _concept("Nigeria", "food", en="egusi soup"),
    "durbar": _concept("Nigeria", "festival", en="Durbar"),
    "agbada": _concept("Nigeria", "clothing", en="agbada", es="agbada", de="Agbada"),
    "gele": _concept("Nigeria", "clothing", en="gele"),
}
CULTURE_LISTS = {culture: [key for key, c in CONCEPTS.items() if c["culture"] == culture] for culture in COUNTRIES}
# What an English-language seed set happens to contain: its own culture and a few famous exports.
ENGLISH_SEED = ["hamburger", "hot dog", "thanksgiving", "halloween", "cowboy hat", "sushi", "kimono", "diwali",
                "paella", "oktoberfest"]


# --- language identification --------------------------------------------------------------------

def scripts(text: str) -> list[str]:
    """The writing systems of a text's letters, from their Unicode names (LATIN, CYRILLIC, ...)."""
    return sorted({unicodedata.name(c, "UNKNOWN").split()[0].title() for c in text if c.isalpha()})


def marker_words(texts_by_language: dict[str, list[str]]) -> dict[str, set[str]]:
    """For each language, the words of its texts that no other language's texts use: a word list that
    identifies the language (a word shared by two languages, like 'in', identifies neither)."""
    words = {lang: {w for text in texts for w in common.tokens(text)} for lang, texts in texts_by_language.items()}
    return {lang: own - set().union(*(other for o, other in words.items() if o != lang)) for lang, own in words.items()}


def foreign_words(text: str, language: str, markers: dict[str, set[str]]) -> list[str]:
    """Words of the text that mark another language than `language`."""
    return sorted({w for w in common.tokens(text) for lang, own in markers.items() if lang != language and w in own})


# --- drawings ------------------------------------------------------------------------------------

def sample_figure(cards):
    """Text cards, one per concept: a title line and one line per generated question, each marked kept
    (✓) or rejected (✗, with the reason on the line below). `cards` is a list of
    (title, [(kept, text, reason or None), ...])."""
    lines = sum(1.6 + sum(1 if reason is None else 2 for _, _, reason in rows) for _, rows in cards)
    with plt.rc_context(common.STYLE):
        fig = plt.figure(figsize=(6.8, 0.22 * lines + 0.2))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.axis("off")
        y, step = 1.0, 1 / lines
        for title, rows in cards:
            ax.text(0.01, y, title, fontsize=10, fontweight="bold", va="top")
            y -= step * 1.1
            for kept, text, reason in rows:
                colour = "#222222" if kept else common.OKABE_ITO[5]
                ax.text(0.01, y, ("✓ " if kept else "✗ ") + text, fontsize=8.5, va="top",
                        family="DejaVu Sans Mono", color=colour)
                if reason:
                    y -= step
                    ax.text(0.06, y, f"rejected: {reason}", fontsize=8.5, va="top", family="DejaVu Sans Mono",
                            color=colour, style="italic")
                y -= step
            y -= step * 0.5
        return common.to_svg(fig, "Generated questions about cultural concepts, with the verifier's verdicts")


def coverage_figure(tables: dict[str, np.ndarray], totals: np.ndarray, cultures, languages):
    """One heatmap per pipeline: for each culture (rows) and language (columns), the share of the
    culture's concepts that have a kept question, annotated with the counts."""
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(1, len(tables), figsize=(3.0 * len(tables) + 0.6, 0.33 * len(cultures) + 1.0),
                                 sharey=True)
        for ax, (name, counts) in zip(np.atleast_1d(axes), tables.items()):
            share = counts / totals[:, None]
            ax.imshow(share, cmap="cividis", vmin=0, vmax=1, aspect="auto")
            for (row, column), value in np.ndenumerate(counts):
                ax.text(column, row, f"{value}/{totals[row]}", ha="center", va="center", fontsize=7.5,
                        color="black" if share[row, column] > 0.6 else "white")
            ax.set_xticks(range(len(languages)), languages)
            ax.set_yticks(range(len(cultures)), cultures)
            ax.set_title(name, fontsize=9)
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_visible(False)
        fig.subplots_adjust(wspace=0.06)
        return common.to_svg(fig, "Concepts with a kept question, by culture and language, for each pipeline")


def thumbnail():
    """One cultural question in the four languages of the lab."""
    lines = [("en", 'In which country is the festival "Holi" celebrated?'),
             ("es", "¿En qué país se celebra la fiesta «Holi»?"),
             ("de", "In welchem Land wird das Fest „Holi“ gefeiert?"),
             ("ru", "В какой стране отмечают праздник «Холи»?")]
    with plt.rc_context(common.STYLE):
        fig = plt.figure(figsize=(3.2, 2.0))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.axis("off")
        for i, (code, text) in enumerate(lines):
            y = 0.86 - 0.22 * i
            ax.text(0.03, y, code, fontsize=8, fontweight="bold", color=common.OKABE_ITO[(4, 0, 2, 6)[i]], va="center")
            ax.text(0.12, y, text, fontsize=6.5, va="center")
        return common.to_svg(fig, "A cultural question template in four languages")
