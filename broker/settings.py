"""Broker settings: one frozen object, read from ``JJJ_*`` environment variables, built directly in tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.tls_material import TlsMaterial, TlsSource, load_broker_tls
from broker.redis_url import parse_redis_url
from merge.regions import Region

#: The published development value of ``JJJ_SUBJECT_KEY_SECRET``: never accepted in production.
DEVELOPMENT_SUBJECT_KEY = "jjj-development-subject-key"
_MIN_SECRET_CHARS = 32


class InsecureConfiguration(Exception):
    """Production settings that would protect real data with a default or nothing; ``problems`` names each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    """Everything the broker reads from its environment. Secrets are ``SecretStr`` so ``repr`` masks them."""

    # hide_input_in_errors: a refused value is not repeated in the error (a Redis URL holds its password).
    model_config = SettingsConfigDict(env_prefix="JJJ_", frozen=True, extra="ignore", hide_input_in_errors=True)

    #: ``production`` (the default) refuses to run on a development default (:meth:`production_problems`);
    #: ``development`` runs on them, saying so (``jjj demo`` sets it).
    env: Literal["production", "development"] = "production"

    #: ``json``: one JSON object per log line (fields: request_id, region, status, ms, …); ``text`` for a terminal.
    log_format: Literal["json", "text"] = "json"

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)

    #: ``redis://[user:password@]host:port/db``; ``rediss://`` for TLS (the server's certificate is checked against
    #: ``redis_ca``, else the system's CAs, and must name the host); ``redis+sentinel://…/service/db`` and
    #: ``redis+cluster://…`` (broker/redis_url.py has the forms).
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    redis_ca: Path | None = None
    #: Connections to a single Redis per broker process; requests beyond them wait for one (up to 2 s, then 503).
    redis_max_connections: int = Field(default=256, ge=8, le=10_000)
    #: Durable writes (grants, revocations, codes, issued reports, the audit chain) count as done only once this
    #: many replicas have them (WAIT); 0 does not wait (a single Redis). consent/redis_writes.py says why.
    redis_min_replicas_ack: int = Field(default=0, ge=0, le=16)
    #: How long a durable write waits for its replicas before it is refused (503). Below the 2 s socket timeout.
    redis_ack_timeout_ms: int = Field(default=500, ge=1, le=1500)
    #: With Sentinel or a cluster, how long a command keeps trying to reach a master (a failover promotes one in a
    #: few seconds) before the request is refused (503). A single Redis has no failover to wait for: it fails fast.
    redis_failover_wait_s: float = Field(default=5.0, ge=0, le=30)
    #: Keys Redis entries about a subject by HMAC(secret, identifier), so no identifier is stored in clear; third
    #: parties' pairwise subject identifiers are derived from it too. Production sets its own (at least 32
    #: characters, random); every replica must share it. The default is published: development only.
    subject_key_secret: SecretStr = SecretStr(DEVELOPMENT_SUBJECT_KEY)
    #: Every key the broker writes starts with this, so that several deployments (or test runs) share a server.
    redis_prefix: str = "jjj:"

    #: An operator's edition files (*.toml) beside the shipped ones (merge/editions/); every node must hold the same
    #: (the warrant names each edition's version and digest, and a node refuses one it does not hold).
    editions_dir: Path | None = None

    #: Signing keys and the PDF certificate (see broker/keys.py); `jjj keys init` creates a development set.
    keys_dir: Path = Path("var/keys")

    #: mTLS towards the nodes (issue 10): the broker's client certificate (SAN ``urn:jjj:broker``) and key, and the
    #: federation CA every node's certificate must chain to (``jjj certs init`` makes a development set).
    tls_cert: Path = Path("var/certs/broker.pem")
    tls_key: Path = Path("var/certs/broker-key.pem")
    tls_ca: Path = Path("var/certs/ca.pem")
    #: DEVELOPMENT ONLY: plaintext gRPC to the nodes (anyone on the network can read or forge answers).
    nodes_insecure: bool = False

    node_beijing: str = "127.0.0.1:50051"
    node_tianjin: str = "127.0.0.1:50052"
    node_hebei: str = "127.0.0.1:50053"

    #: One deadline for the whole report request; each regional call gets what remains of it.
    request_deadline_s: float = Field(default=5.0, gt=0, le=120)
    #: A region's circuit breaker opens after this many consecutive calls that timed out or found it unavailable;
    #: while open the region is stated ``unavailable`` without being asked (broker/reports/breakers.py).
    breaker_failures: int = Field(default=3, ge=1, le=100)
    #: How long an open breaker stays open before one call probes the region again (half-open).
    breaker_cooldown_s: float = Field(default=3.0, gt=0, le=600)
    #: The query window ends this many Chinese working days before the application date (Dongguan: 7).
    window_lag_working_days: int = Field(default=0, ge=0, le=30)
    #: Holiday schedule files (one year's 放假安排 each, README "Working-day calendar") that extend the
    #: chinese_calendar package; in the environment a list like PATH (``/etc/jjj/2027.toml:/etc/jjj/2028.toml``).
    holiday_schedules: Annotated[tuple[Path, ...], NoDecode] = ()
    #: Records per gRPC page asked of the nodes.
    page_size: int = Field(default=500, ge=1, le=1000)
    #: Largest JSON body accepted.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

    #: Signed-in sessions last this long (fixed, not sliding).
    session_ttl_s: int = Field(default=8 * 3600, ge=60, le=7 * 86400)
    #: Sign-in attempts allowed per account and per client address in each window.
    signin_attempts_per_account: int = Field(default=10, ge=1)
    signin_attempts_per_address: int = Field(default=50, ge=1)
    signin_window_s: int = Field(default=900, ge=1)
    #: The OAuth issuer identifier (RFC 8414); unset, ``public_base_url``.
    oauth_issuer: str | None = None
    #: Access-token lifetime (issue 3: at most 10 minutes).
    access_token_lifetime_s: int = Field(default=600, ge=30, le=600)
    #: Production sign-in through the provincial identity platform (OpenID Connect); off while unset.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None

    #: Where the broker is reached from outside: verification links and the QR code point here.
    public_base_url: str = "http://127.0.0.1:8080"
    #: An issued report's encrypted content (JSON, PDF) lives this long, then only its digest and metadata remain.
    #: Dongguan keeps reports 10 years; holding content that long would centralise data the regions own.
    report_validity_days: int = Field(default=30, ge=1, le=3660)
    #: Metadata outlives the content by this much, so an expired code answers "expired", not "unknown".
    report_metadata_retention_days: int = Field(default=365, ge=0, le=3660)
    #: Verification-code attempts allowed per client address and per report number, per window.
    verify_attempts_per_client: int = Field(default=30, ge=1)
    verify_attempts_per_report: int = Field(default=20, ge=1)
    verify_window_s: int = Field(default=600, ge=1)
    #: Largest file accepted for "is this exactly what was issued?" (PDF or JSON).
    verify_upload_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)

    #: Lifetime of a query warrant (consent/warrants.py); nodes refuse anything longer than 60 s.
    #: PDF rendering processes (weasyprint is CPU-bound; rendering never runs on the event loop).
    pdf_workers: int = Field(default=2, ge=1, le=32)
    #: Start and warm them (and build the font cache) at startup rather than on the first PDF download, which
    #: otherwise waits seconds for them; /healthz says "starting" until they are warm (see broker/ops/health.py).
    pdf_prewarm: bool = True

    warrant_lifetime_s: int = Field(default=30, ge=1, le=60)
    #: The issuer named in every query warrant (``iss``); each node accepts only the issuers it is configured with.
    #: Unset, the public base URL.
    warrant_issuer: str | None = None
    #: The audit chain's head is signed every this many entries (and on `jjj audit checkpoint`).
    audit_checkpoint_every: int = Field(default=100, ge=1)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr) -> SecretStr:
        parse_redis_url(value.get_secret_value())  # RedisUrlError (a ValueError) names the part at fault
        return value

    @field_validator("redis_prefix")
    @classmethod
    def _redis_prefix(cls, value: str) -> str:
        if "{" in value or "}" in value:
            raise ValueError("braces are Redis Cluster hash tags: the broker places its own, the prefix has none")
        return value

    @field_validator("holiday_schedules", mode="before")
    @classmethod
    def _path_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(part) for part in value.split(os.pathsep) if part.strip())
        return value

    @property
    def issuer(self) -> str:
        """The OAuth issuer identifier: ``oauth_issuer``, else the public base URL (never a request's Host)."""
        return (self.oauth_issuer or self.public_base_url).rstrip("/")

    def production_problems(self) -> list[str]:
        """What stops this configuration from protecting real data, one line per setting (empty: none)."""
        problems = []
        secret = self.subject_key_secret.get_secret_value()
        if secret == DEVELOPMENT_SUBJECT_KEY or len(secret) < _MIN_SECRET_CHARS:
            problems.append(
                "JJJ_SUBJECT_KEY_SECRET: unset, the published development value, or shorter than "
                f"{_MIN_SECRET_CHARS} characters; set a random value (e.g. `openssl rand -base64 48`), the same on "
                "every replica"
            )
        if self.nodes_insecure:
            problems.append("JJJ_NODES_INSECURE: plaintext gRPC to the nodes is for development only; use mTLS")
        redis = parse_redis_url(self.redis_url.get_secret_value())
        if redis.networked and not redis.password:
            problems.append(
                "JJJ_REDIS_URL: a Redis reached over the network needs a user and password "
                "(rediss://user:password@host:6380/0, TLS)"
            )
        return problems

    def check_production(self) -> list[str]:
        """Raise :class:`InsecureConfiguration` in production when :meth:`production_problems` finds any; in
        development return them (to be printed as warnings)."""
        problems = self.production_problems()
        if problems and self.env == "production":
            raise InsecureConfiguration(problems)
        return problems

    @property
    def warrants_issuer(self) -> str:
        return self.warrant_issuer or self.public_base_url

    def node_tls(self) -> TlsMaterial | None:
        """The broker's checked TLS material (``PkiError`` naming the file and setting), or None when insecure."""
        if self.nodes_insecure:
            return None
        source = TlsSource(self.tls_cert, self.tls_key, self.tls_ca, "JJJ_TLS_CERT", "JJJ_TLS_KEY", "JJJ_TLS_CA")
        return load_broker_tls(source)

    def node_target(self, region: Region) -> str:
        return {
            Region.BEIJING: self.node_beijing,
            Region.TIANJIN: self.node_tianjin,
            Region.HEBEI: self.node_hebei,
        }[region]
