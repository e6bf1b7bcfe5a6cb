"""A node's environment, read in one place (pydantic-settings): each value is a fallback for its command-line flag.

``JJJ_ADAPTER_DB`` (the database URL), ``JJJ_BROKER_JWKS`` and ``JJJ_BROKER_ISSUER`` (comma-separated: the
broker(s) whose warrants are accepted), ``JJJ_ADAPTER_TLS_DIR`` / ``_CERT`` / ``_KEY`` / ``_CA`` (mTLS),
``JJJ_ADAPTER_ANSWER_DIR`` (answer signing).
Empty variables count as unset.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class NodeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JJJ_", frozen=True, extra="ignore", env_ignore_empty=True)

    adapter_db: str | None = None
    broker_jwks: str | None = None
    broker_issuer: str | None = None
    adapter_tls_dir: str | None = None
    adapter_tls_cert: str | None = None
    adapter_tls_key: str | None = None
    adapter_tls_ca: str | None = None
    adapter_answer_dir: str | None = None

    @property
    def broker_issuers(self) -> list[str]:
        return [part.strip() for part in (self.broker_issuer or "").split(",") if part.strip()]

    def tls(self, name: str) -> str | None:
        """``JJJ_ADAPTER_TLS_<NAME>`` for ``name`` in dir, cert, key, ca."""
        value: str | None = getattr(self, f"adapter_tls_{name}")
        return value
