"""Staff sign-in sessions: random tokens held in the node's memory (one node process serves its staff page),
an HttpOnly SameSite=Strict cookie, a CSRF token per session checked on every POST, eight hours' life.
A restart signs everyone out, which is acceptable for a back-office page.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

SESSION_COOKIE = "jjj_staff"
LIFETIME_S = 8 * 3600


@dataclass(frozen=True, slots=True)
class StaffSession:
    username: str
    csrf: str
    expires: float


class StaffSessions:
    def __init__(self) -> None:
        self._sessions: dict[str, StaffSession] = {}

    def start(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        self._sessions[token] = StaffSession(username, secrets.token_urlsafe(24), time.monotonic() + LIFETIME_S)
        return token

    def get(self, token: str | None) -> StaffSession | None:
        session = self._sessions.get(token or "")
        if session is None:
            return None
        if session.expires <= time.monotonic():
            self._sessions.pop(token or "", None)
            return None
        return session

    def end(self, token: str | None) -> None:
        self._sessions.pop(token or "", None)


def csrf_ok(session: StaffSession, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(session.csrf, given)
