"""Broker settings: one frozen object, read from ``JJJ_*`` environment variables, built directly in tests."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from merge.regions import Region


class Settings(BaseSettings):
    """Everything the broker reads from its environment. Secrets are ``SecretStr`` so ``repr`` masks them."""

    model_config = SettingsConfigDict(env_prefix="JJJ_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)

    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    #: Keys Redis entries about a subject by HMAC(secret, identifier), so no identifier is stored in clear.
    #: Production sets its own; every replica must share it.
    subject_key_secret: SecretStr = SecretStr("jjj-development-subject-key")
    #: Every key the broker writes starts with this, so that several deployments (or test runs) share a server.
    redis_prefix: str = "jjj:"

    #: Signing keys and the PDF certificate (see broker/keys.py); `jjj keys init` creates a development set.
    keys_dir: Path = Path("var/keys")

    node_beijing: str = "127.0.0.1:50051"
    node_tianjin: str = "127.0.0.1:50052"
    node_hebei: str = "127.0.0.1:50053"

    #: One deadline for the whole report request; each regional call gets what remains of it.
    request_deadline_s: float = Field(default=5.0, gt=0, le=120)
    #: The query window ends this many Chinese working days before the application date (Dongguan: 7).
    window_lag_working_days: int = Field(default=0, ge=0, le=30)
    #: Records per gRPC page asked of the nodes.
    page_size: int = Field(default=500, ge=1, le=1000)
    #: Largest JSON body accepted.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

    #: DEVELOPMENT SWITCH. Until subject sign-in and consent grants exist, ``POST /v1/reports`` answers only when
    #: this is true; it is off by default so that no deployment serves reports without consent by accident.
    dev_reports_without_consent: bool = False

    def node_target(self, region: Region) -> str:
        return {
            Region.BEIJING: self.node_beijing,
            Region.TIANJIN: self.node_tianjin,
            Region.HEBEI: self.node_hebei,
        }[region]
