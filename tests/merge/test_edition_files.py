"""merge.edition_files: editions as data — shipped defaults, an operator's directory, digests, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from merge.edition_files import DEFAULTS_DIR, EditionFileError, load_catalogue, parse_edition
from merge.identifiers import SubjectKind

CUSTOM = """
name = "construction"
version = "2026.1"
display_name = "专用信用报告（建筑业专版）"
subject_kinds = ["enterprise"]
omit_minor = true
omit_repaired = false
omit_past_publicity = true
omit_removed_list_entries = true
fixed_window_months = 24
explicit_statement_per_domain = false
"""


def test_the_shipped_editions_are_the_five_the_seeds_name_in_display_order() -> None:
    catalogue = load_catalogue()
    assert list(catalogue) == ["standard", "administrative", "listing", "person", "financial"]
    # The financial edition gained department confirmation: a changed edition, a new version.
    assert {name: spec.version for name, spec in catalogue.items()} == {
        "standard": "1", "administrative": "1", "listing": "1", "person": "1", "financial": "2",
    }  # fmt: skip
    assert [name for name, spec in catalogue.items() if spec.department_confirmation] == ["financial"]
    assert {p.stem for p in DEFAULTS_DIR.glob("*.toml")} == set(catalogue)


def test_an_operator_directory_adds_an_industry_edition(tmp_path: Path) -> None:
    (tmp_path / "construction.toml").write_text(CUSTOM, encoding="utf-8")
    spec = load_catalogue(tmp_path)["construction"]
    assert (spec.version, spec.fixed_window_months, spec.subject_kinds) == ("2026.1", 24, {SubjectKind.ENTERPRISE})
    assert (spec.omit_minor, spec.omit_repaired) == (True, False)


def test_the_digest_follows_the_rules_not_the_formatting() -> None:
    plain = parse_edition(CUSTOM, "a.toml")
    commented = parse_edition("# a comment\n" + CUSTOM.replace(" = ", "="), "b.toml")
    changed = parse_edition(CUSTOM.replace("omit_repaired = false", "omit_repaired = true"), "c.toml")
    assert plain.digest == commented.digest
    assert plain.digest != changed.digest
    assert plain.digest.startswith("sha256:")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("omit_minor = true", 'omit_minor = "yes"'), "omit_minor"),
        (('name = "construction"', 'name = "Construction!"'), "name"),
        (('subject_kinds = ["enterprise"]', 'subject_kinds = ["company"]'), "subject_kinds"),
        (("fixed_window_months = 24", "fixed_window_months = 0"), "fixed_window_months"),
        (('version = "2026.1"', ""), "version"),
        (("omit_minor = true", "omit_minor = true\nshow_everything = true"), "show_everything"),
        (("omit_minor = true", "omit_minor = true\ndepartment_confirmation = 1"), "department_confirmation"),
        # A pending report keeps its subject's identifier until issued: a public USCC only, never a resident ID.
        (
            (
                'subject_kinds = ["enterprise"]',
                'subject_kinds = ["enterprise", "person"]\ndepartment_confirmation = true',
            ),
            "department_confirmation",
        ),
    ],
)
def test_a_malformed_file_names_the_file_and_the_field(tmp_path: Path, change: tuple[str, str], field: str) -> None:
    (tmp_path / "bad.toml").write_text(CUSTOM.replace(*change), encoding="utf-8")
    with pytest.raises(EditionFileError, match=rf"bad\.toml: field {field}:"):
        load_catalogue(tmp_path)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("name = \n", encoding="utf-8")
    with pytest.raises(EditionFileError, match=r"broken\.toml: not valid TOML"):
        load_catalogue(tmp_path)


def test_changing_a_shipped_edition_needs_a_new_version(tmp_path: Path) -> None:
    text = (DEFAULTS_DIR / "standard.toml").read_text(encoding="utf-8")
    (tmp_path / "standard.toml").write_text(text.replace("omit_minor = true", "omit_minor = false"), "utf-8")
    with pytest.raises(EditionFileError, match="field version: changes edition 'standard' without a new version"):
        load_catalogue(tmp_path)
    (tmp_path / "standard.toml").write_text(
        text.replace("omit_minor = true", "omit_minor = false").replace('version = "1"', 'version = "2"'), "utf-8"
    )
    assert load_catalogue(tmp_path)["standard"].version == "2"


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EditionFileError, match="is not a directory"):
        load_catalogue(tmp_path / "nope")
