"""Under whose consent a report request runs: the signed-in subject's own, or a third party's grant.

Bearer token: verified (signature, typ, iss, aud, expiry), not revoked, scope names the edition, its grant covers
subject, edition, window and regions, and one use is counted atomically. Session: the subject's own report only
(checked with the CSRF header, as every cookie-authenticated state change). Every check reads Redis now, so a
revocation made on any replica holds for this very request; Redis down refuses it (fail closed).
"""

from __future__ import annotations

from aiohttp import web

from broker.errors import ConsentRequired, Unauthenticated
from broker.reports.models import ReportRequestBody
from broker.web.appkeys import CLOCK, GRANTS, OAUTH, SETTINGS
from broker.web.sessions import bearer_token, require_session
from consent.accounts import subject_ref
from consent.authority import SELF_GRANT, QueryAuthority
from consent.clients import SCOPE_EDITIONS
from consent.grant_store import UseOutcome
from consent.grants import GrantStatus, check_covers
from consent.oauth.tokens import InvalidAccessToken

_REFUSALS = {
    UseOutcome.MISSING: "the grant does not exist",
    UseOutcome.NOT_YET_VALID: "the grant is not valid yet",
    UseOutcome.PAUSED: "the grant is paused by its subject",
    UseOutcome.REVOKED: "the grant was revoked by its subject",
    UseOutcome.EXPIRED: "the grant has expired",
    UseOutcome.EXHAUSTED: "the grant's uses are spent",
}


#: Asking again for a pending report: the grant must still be in force; its uses may be spent (by that report).
_STILL_IN_FORCE = frozenset({GrantStatus.ACTIVE, GrantStatus.EXHAUSTED})


async def report_authority(request: web.Request, body: ReportRequestBody, *, resuming: bool = False) -> QueryAuthority:
    """The consent this report request runs under, with the use counted; refuses otherwise.

    ``resuming``: the request asks again for a report awaiting department confirmation, which counted its use when
    first asked; the grant is checked as for a new report — not revoked, paused or expired — but no use is counted
    (a single-use grant would otherwise never see its report issued)."""
    subject = body.parsed_subject
    ref = subject_ref(request.app[SETTINGS].subject_key_secret.get_secret_value().encode(), subject)
    token = bearer_token(request)
    if token is None:
        session = await require_session(request, check_csrf=True)
        if session.account.ref != ref:
            raise ConsentRequired("subject: signed in, you may ask only for your own report", field="subject")
        return QueryAuthority(
            subject=subject, grant_id=SELF_GRANT, grantee_id="self", grantee_name=session.account.name,
            purpose=body.purpose,
        )  # fmt: skip
    try:
        claims = await request.app[OAUTH].bearer_claims(request, token)
    except InvalidAccessToken as exc:
        raise Unauthenticated(f"invalid access token: {exc}") from None
    scopes = str(claims.get("scope", "")).split()
    if f"report:{body.edition.value}" not in scopes or not set(scopes) <= set(SCOPE_EDITIONS):
        raise ConsentRequired(
            f"edition: the token's scope does not include report:{body.edition.value}", field="edition"
        )
    grants = request.app[GRANTS]
    stored = await grants.get(str(claims["grant_id"]))
    if stored is None:
        raise ConsentRequired("the token's grant does not exist")
    check_covers(stored.artefact, subject_ref=ref, edition=body.edition, window_years=body.window_years)
    if body.purpose != stored.artefact.purpose_code:
        raise ConsentRequired(f"purpose: the grant is for {stored.artefact.purpose_code}", field="purpose")
    now = request.app[CLOCK].now()
    if resuming:
        status = stored.status(now)
        if status not in _STILL_IN_FORCE or now < stored.artefact.valid_from:
            raise ConsentRequired(f"refused: the grant is {status.value}")
    else:
        outcome, _ = await grants.use(stored.artefact.id, now)
        if outcome is not UseOutcome.OK:
            raise ConsentRequired(f"refused: {_REFUSALS[outcome]}")
    return QueryAuthority(
        subject=subject,
        grant_id=stored.artefact.id,
        grantee_id=stored.artefact.grantee_id,
        grantee_name=stored.artefact.grantee_name,
        purpose=stored.artefact.purpose_code,
    )
