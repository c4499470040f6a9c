"""Tests of the multilingual lab's plumbing: concept lists whose names are written in their language's
script, complete country names, consistent culture lists and seed, language identification by script
and by marker words, and deterministic drawings."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import multilingual as lab


def test_the_four_languages_and_their_scripts():
    assert lab.SCRIPTS == {"en": "Latin", "es": "Latin", "de": "Latin", "ru": "Cyrillic"}


def test_every_name_is_written_in_its_languages_script():
    for key, concept in lab.CONCEPTS.items():
        assert "en" in concept["names"], key  # the English list is complete
        assert concept["category"] in lab.CATEGORIES and concept["culture"] in lab.COUNTRIES
        for language, name in concept["names"].items():
            assert lab.scripts(name) == [lab.SCRIPTS[language]], (key, language, name)
            assert not set(name) & set('{}"«»„“'), name  # a name never breaks a template's quotes
    for culture, names in lab.COUNTRIES.items():
        assert sorted(names) == sorted(lab.LANGUAGES), culture
        assert all(lab.scripts(n) == [lab.SCRIPTS[lang]] for lang, n in names.items())


def test_lists_partition_the_concepts_and_hold_the_seed():
    listed = [k for keys in lab.CULTURE_LISTS.values() for k in keys]
    assert sorted(listed) == sorted(lab.CONCEPTS) and len(set(listed)) == len(listed)
    assert set(lab.ENGLISH_SEED) <= set(lab.CONCEPTS) and len(set(lab.ENGLISH_SEED)) == len(lab.ENGLISH_SEED)
    assert {lab.CONCEPTS[k]["culture"] for k in lab.ENGLISH_SEED} < set(lab.CULTURE_LISTS)  # the seed misses cultures
    assert all({lab.CONCEPTS[k]["category"] for k in keys} == set(lab.CATEGORIES) for keys in lab.CULTURE_LISTS.values())


def test_scripts_read_unicode_names():
    assert lab.scripts("¿De qué país es el plato «paella»?") == ["Latin"]
    assert lab.scripts("Из какой страны родом блюдо «суши»?") == ["Cyrillic"]
    assert lab.scripts("В какой стране отмечают festival?") == ["Cyrillic", "Latin"]  # a leak shows
    assert lab.scripts("123 ?!") == []


def test_marker_words_exclude_shared_words_and_flag_foreign_ones():
    markers = lab.marker_words({"en": ["In which country is it?"], "de": ["In welchem Land ist es?"],
                                "es": ["¿En qué país es?"]})
    assert markers["en"] == {"which", "country", "is", "it"}
    assert "in" not in markers["en"] | markers["de"]  # shared by English and German
    assert "es" not in markers["de"] and "es" not in markers["es"]  # shared by German and Spanish
    assert lab.foreign_words("In welchem country ist es?", "de", markers) == ["country"]
    assert lab.foreign_words("In welchem Land ist es?", "de", markers) == []


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "coverage"])
def test_drawings_are_deterministic_svg_on_white(draw):
    cards = [("Holi (India, festival)", [(True, "en  In which country is the festival \"Holi\" celebrated? → India", None),
                                         (False, "ru  В какой стране отмечают festival «Холи»? → Индия", "wrong script")])]
    counts = np.array([[1, 0], [2, 2]])
    make = {"thumbnail": lab.thumbnail, "sample": lambda: lab.sample_figure(cards),
            "coverage": lambda: lab.coverage_figure({"a": counts, "b": counts}, np.array([2, 2]), ["x", "y"], ["en", "ru"])}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
