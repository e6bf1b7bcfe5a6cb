"""The node's ticket tables (issue 12), beside the record tables of :mod:`adapters.schema`, in the same database.

* ``record_tickets``: one row per objection (异议) or repair request (信用修复) about one of this region's records —
  who filed (the subject as the warrant named it), what (field, current value, proposed value, reason), status,
  filing time, due date in Chinese working days, decision note (a rejection's reason, a repair's basis).
* ``ticket_events``: the history, append-only: filed, accepted / approved / rejected, repaired-by-notice, each with
  the change it made to the record (JSON: field, before, after; a withdrawn record's whole row).
* ``ticket_attachments``: PDF / PNG / JPEG evidence, kept here only (the broker streams it through, never stores it).
* ``ticket_warrant_jtis``: replay protection for ticket warrants (a jti is accepted once, ever).
* ``staff_accounts``: the credit centre's staff who decide tickets (:mod:`adapters.staff`), scrypt-hashed passwords.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text

ticket_metadata = MetaData()

record_tickets = Table(
    "record_tickets",
    ticket_metadata,
    Column("ticket_id", String(32), primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("record_id", String(40), nullable=False),
    Column("subject_kind", String(12), nullable=False),
    Column("subject_id", String(18), nullable=False),
    Column("kind", String(12), nullable=False, comment="objection | repair"),
    Column("field", String(40), nullable=False, comment="disputed field; 'withdraw' for the whole record"),
    Column("current_value", Text, nullable=False),
    Column("proposed_value", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(12), nullable=False, comment="open | accepted | approved | rejected"),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("due_on", Date, nullable=False, comment="due date, working days after filing"),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("decision_note", Text, nullable=False, default=""),
    Column("decided_by", String(64), nullable=False, default=""),
    Index("ix_record_tickets_subject", "subject_kind", "subject_id"),
    Index("ix_record_tickets_record", "region_code", "record_id", "status"),
)

ticket_events = Table(
    "ticket_events",
    ticket_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(32), ForeignKey("record_tickets.ticket_id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False),
    Column("note", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("change", Text, nullable=False, default="", comment="JSON of what the record changed"),
)

ticket_attachments = Table(
    "ticket_attachments",
    ticket_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(32), ForeignKey("record_tickets.ticket_id"), nullable=False, index=True),
    Column("filename", String(200), nullable=False),
    Column("media_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

ticket_warrant_jtis = Table(
    "ticket_warrant_jtis",
    ticket_metadata,
    Column("jti", String(64), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

staff_accounts = Table(
    "staff_accounts",
    ticket_metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
