"""Where each file of a PKI directory lives (``jjj certs init --dir DIR``; the layout is in :mod:`adapters.pki`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from merge.regions import REGION_ORDER, Region


@dataclass(frozen=True, slots=True)
class PkiLayout:
    """Where each file of a PKI directory lives (see the module docstring)."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def broker_cert(self) -> Path:
        return self.directory / "broker.pem"

    @property
    def broker_key(self) -> Path:
        return self.directory / "broker-key.pem"

    def node_cert(self, region: Region) -> Path:
        return self.directory / f"node-{region.value}.pem"

    def node_key(self, region: Region) -> Path:
        return self.directory / f"node-{region.value}-key.pem"

    def answer_cert(self, region: Region) -> Path:
        return self.directory / f"answer-{region.value}.pem"

    def answer_key(self, region: Region) -> Path:
        return self.directory / f"answer-{region.value}-key.pem"

    def pairs(self, names: Iterable[str] = ()) -> list[tuple[str, Path, Path]]:
        """(name, certificate, key) of each leaf: ``broker``, ``node-<region>``, ``answer-<region>``; all by
        default, else those of the given targets (``broker`` or a region slug, which means both of its pairs)."""
        wanted = set(names) or {"broker", *(r.value for r in REGION_ORDER)}
        pairs = [("broker", self.broker_cert, self.broker_key)] if "broker" in wanted else []
        for region in REGION_ORDER:
            if region.value in wanted:
                pairs.append((f"node-{region.value}", self.node_cert(region), self.node_key(region)))
                pairs.append((f"answer-{region.value}", self.answer_cert(region), self.answer_key(region)))
        return pairs
