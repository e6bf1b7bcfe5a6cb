"""A node's declared coverage (领域): which domains of the shared catalogue it collects.

``jjj adapter serve --coverage FILE`` (or ``JJJ_ADAPTER_COVERAGE``) names a TOML file with ``domains = [...]``
(codes of :data:`merge.domains.DOMAINS`); without it a node declares its region's shipped file,
``adapters/coverage/<region>.toml``, which states today's :data:`merge.domains.DEFAULT_COVERAGE`. The node sends
what it declares in ``Describe`` and in every answer document (``covered_domains``), and the broker's matrix
reports each region's cells from that: a domain left out is ``not_covered``, never ``no_record``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from merge.domains import DOMAIN_BY_CODE
from merge.regions import Region

COVERAGE_ENV = "JJJ_ADAPTER_COVERAGE"
SHIPPED_DIR = Path(__file__).with_name("coverage")


class CoverageFileError(ValueError):
    """The coverage file is malformed; the message names the file and the field or code."""


def shipped_coverage_file(region: Region) -> Path:
    return SHIPPED_DIR / f"{region.value}.toml"


def load_coverage(path: Path) -> tuple[str, ...]:
    """The domain codes ``path`` declares, in the catalogue's order, or CoverageFileError."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CoverageFileError(f"{path}: unreadable: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CoverageFileError(f"{path}: not valid TOML: {exc}") from None
    unknown_fields = sorted(set(data) - {"domains"})
    if unknown_fields:
        raise CoverageFileError(f"{path}: field {unknown_fields[0]}: unknown field")
    domains = data.get("domains")
    if not isinstance(domains, list) or not domains or not all(isinstance(code, str) for code in domains):
        raise CoverageFileError(f"{path}: field domains: a non-empty list of domain codes")
    unknown = [code for code in domains if code not in DOMAIN_BY_CODE]
    if unknown:
        raise CoverageFileError(f"{path}: field domains: not in the shared catalogue: {', '.join(unknown[:5])}")
    declared = set(domains)
    return tuple(code for code in DOMAIN_BY_CODE if code in declared)


def node_coverage(region: Region, path: Path | None) -> tuple[str, ...]:
    """The coverage a node of ``region`` declares: ``path``'s, else its region's shipped file."""
    return load_coverage(path or shipped_coverage_file(region))
