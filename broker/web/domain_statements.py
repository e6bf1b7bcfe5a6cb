"""The statement per domain and region an edition may require (``explicit_statement_per_domain``: the listing and
financial editions): one sentence for every cell of the matrix, so that a reader never has to infer "no record"
from an empty cell. The report page and the PDF print the same sentences (msgids through Babel).
"""

from __future__ import annotations

from collections.abc import Callable

from broker.web.i18n import N_
from merge.edition_files import catalogue
from merge.report import CellState, Report

_SENTENCES = {
    CellState.RECORDS: N_("%(region)s：%(domain)s领域有 %(n)d 条记录。"),
    CellState.NO_RECORD: N_("%(region)s：%(domain)s领域无记录。"),
    CellState.NOT_COVERED: N_("%(region)s：未归集%(domain)s领域的信息，不能据此认定无记录。"),
    CellState.NOT_ANSWERED: N_("%(region)s：出具时未应答，%(domain)s领域的情况不明，不能据此认定无记录。"),
}


def required(report: Report) -> bool:
    """Whether the report's edition asks for a sentence per domain and region."""
    spec = catalogue().get(report.edition)
    return spec is not None and spec.explicit_statement_per_domain


def _same(message: str) -> str:
    return message


def statements(report: Report, gettext: Callable[[str], str] = _same) -> list[str]:
    """Every domain × region sentence, domain by domain in matrix order; empty when the edition asks for none.
    ``gettext`` translates the sentence (the page's language); the PDF prints the Chinese."""
    if not required(report):
        return []
    names = {region.code: region.name for region in report.regions}
    return [
        gettext(_SENTENCES[cell.state]) % {"region": names[code], "domain": row.domain_name, "n": cell.count}
        for row in report.matrix
        for code, cell in row.cells.items()
    ]
