"""Who is asking for a report, and under which consent: the value the broker threads from authentication
(session or OAuth token) through the report service to each region's query warrant and to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from merge.identifiers import Subject

#: The grant id recorded when subjects ask for their own report while signed in (no third party involved).
SELF_GRANT = "self"


@dataclass(frozen=True, slots=True)
class QueryAuthority:
    """The consent a report request runs under.

    ``grant_id`` is a consent grant's id, or :data:`SELF_GRANT` when the subject asks for its own report.
    ``grantee_id``/``grantee_name`` name the third party (client id and display name), or the subject itself.
    """

    subject: Subject
    grant_id: str
    grantee_id: str
    grantee_name: str
    purpose: str

    @property
    def is_self(self) -> bool:
        return self.grant_id == SELF_GRANT
