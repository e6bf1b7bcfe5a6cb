"""adapters.coverage_file: the coverage a node declares, from its file; the shipped files are today's coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.coverage_file import CoverageFileError, load_coverage, node_coverage
from merge.domains import DEFAULT_COVERAGE
from merge.regions import Region


@pytest.mark.parametrize("region", list(Region))
def test_the_shipped_file_of_each_region_is_its_default_coverage(region: Region) -> None:
    assert node_coverage(region, None) == DEFAULT_COVERAGE[region]


def test_a_file_declares_domains_in_catalogue_order(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('domains = ["taxation", "civil_air_defense"]\n', encoding="utf-8")
    assert load_coverage(path) == ("civil_air_defense", "taxation")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('domains = ["taxation", "astrology"]\n', "field domains: not in the shared catalogue: astrology"),
        ("domains = []\n", "field domains: a non-empty list"),
        ('domain = ["taxation"]\n', "field domain: unknown field"),
        ("domains = [\n", "not valid TOML"),
    ],
)
def test_a_malformed_file_is_named_with_its_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CoverageFileError, match=message):
        load_coverage(path)
