"""The node's department-confirmation tables (financial edition), beside the ticket tables, in the same database.

* ``departments``: the region's departments that confirm records — identified by their USCC, else their name
  (what the records' ``authority_uscc`` / ``authority_name`` hold) — with their seal key's id and public key
  (the private key is a file in the seal directory, :mod:`adapters.seals`).
* ``staff_departments``: which staff account decides for which department (a department's own staff).
* ``record_confirmations``: one row per record per report reference: the record's canonical bytes as they were
  asked about (what the staff page shows and the seal covers), status, due date, and once decided the decision,
  who decided and the seal's signature. A changed record puts its row back to ``pending``.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, MetaData, String, Table, Text, UniqueConstraint

confirmation_metadata = MetaData()

departments = Table(
    "departments",
    confirmation_metadata,
    Column("department_id", String(200), primary_key=True, comment="the USCC, else the name"),
    Column("name", String(200), nullable=False),
    Column("uscc", String(18), nullable=False, default=""),
    Column("key_id", String(16), nullable=False),
    Column("public_key", String(64), nullable=False, comment="base64 of the raw Ed25519 key"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

staff_departments = Table(
    "staff_departments",
    confirmation_metadata,
    Column("username", String(64), primary_key=True),
    Column("department_id", String(200), primary_key=True),
)

record_confirmations = Table(
    "record_confirmations",
    confirmation_metadata,
    Column("confirmation_id", String(32), primary_key=True),
    Column("ref", String(32), nullable=False, comment="the broker's report number"),
    Column("subject_id", String(18), nullable=False),
    Column("subject_shown", String(18), nullable=False, comment="as the answer states it (a person's masked)"),
    Column("edition", String(32), nullable=False),
    Column("record_id", String(40), nullable=False),
    Column("record_sha256", String(64), nullable=False),
    Column("record_json", Text, nullable=False, comment="the record's canonical bytes asked about"),
    Column("department_id", String(200), nullable=False, index=True),
    Column("authority_name", String(200), nullable=False),
    Column("authority_uscc", String(18), nullable=False, default=""),
    Column("status", String(12), nullable=False, comment="pending | confirmed | annotated | expired"),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("annotation", Text, nullable=False, default=""),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", String(64), nullable=False, default=""),
    Column("seal_key_id", String(16), nullable=False, default=""),
    Column("seal_public_key", String(64), nullable=False, default=""),
    Column("seal_signature", String(100), nullable=False, default=""),
    UniqueConstraint("ref", "record_id", name="uq_confirmation_ref_record"),
)
