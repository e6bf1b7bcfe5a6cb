"""The broker's services, wired once: what ``jjj serve`` (through :mod:`broker.app`) and the CLI both run on.

:func:`open_services` opens every long-lived resource — the key ring, the Redis pool, one gRPC channel per
region, the PDF worker pool — builds the services over them, and closes them again. Nothing happens at import.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from prometheus_client import CollectorRegistry
from purgatory import AsyncCircuitBreakerFactory

from adapters.answer_verify import AnswerVerifier
from adapters.client import AdapterClient
from broker.audit.log import AuditLog
from broker.calendar import load_calendar
from broker.clock import Clock
from broker.keys import KeyRing, load_keyring
from broker.pdf.pool import PdfRenderer
from broker.redis_client import initialized, open_redis, replica_ack
from broker.reports.breakers import BreakerFetcher
from broker.reports.interfaces import RegionFetcher, ReportStore
from broker.reports.issuance import Issuer
from broker.reports.observed import ObservedReportStore
from broker.reports.retries import RetryingFetcher
from broker.reports.service import ReportService
from broker.reports.snapshots import SnapshotStore
from broker.reports.store import RedisReportStore
from broker.reports.warrants import WarrantIssuer
from broker.settings import Settings
from broker.verify.ratelimit import Limit, RateLimiter
from broker.web.metrics import RegionMetrics, ReportMetrics
from consent.accounts import AccountStore
from consent.clients import ClientRegistry
from consent.grant_store import RedisConsentStore
from consent.oauth.integration import OAuthConfig, OAuthIntegration
from consent.oauth.tokens import OAuthStore
from consent.redis_writes import RedisClient
from consent.sessions import SessionStore
from consent.signin_limits import RateLimit, SignInLimiter
from merge.regions import REGION_ORDER
from merge.working_days import WorkingDayCalendar

#: Wraps each region's client (``jjj report`` prints a line per region as it answers).
FetcherWrapper = Callable[[RegionFetcher], RegionFetcher]


@dataclass(frozen=True, slots=True)
class ConsentServices:
    accounts: AccountStore
    sessions: SessionStore
    signin_limiter: SignInLimiter
    grants: RedisConsentStore
    clients: ClientRegistry
    oauth: OAuthIntegration


@dataclass(frozen=True, slots=True)
class Services:
    redis: RedisClient
    keyring: KeyRing
    consent: ConsentServices
    audit: AuditLog
    snapshots: SnapshotStore
    report_store: RedisReportStore
    fetchers: Sequence[RegionFetcher]
    reports: ReportService
    rate_limiter: RateLimiter
    pdf: PdfRenderer
    calendar: WorkingDayCalendar
    metrics: ReportMetrics


def consent_services(settings: Settings, redis: RedisClient, ring: KeyRing) -> ConsentServices:
    prefix, secret = settings.redis_prefix, settings.subject_key_secret.get_secret_value().encode()
    acks = replica_ack(settings)
    clients = ClientRegistry(redis, prefix)
    grants = RedisConsentStore(redis, prefix, acks=acks)
    config = OAuthConfig(
        issuer=settings.issuer,
        token_lifetime_s=settings.access_token_lifetime_s,
        signing_key=lambda: ring.active,
        verification_keys=ring.verification_keys,
        pairwise_secret=secret,
    )
    limit = RateLimit(
        settings.signin_attempts_per_account, settings.signin_attempts_per_address, settings.signin_window_s
    )
    return ConsentServices(
        accounts=AccountStore(redis, prefix, secret),
        sessions=SessionStore(redis, prefix, settings.session_ttl_s),
        signin_limiter=SignInLimiter(redis, prefix, limit),
        grants=grants,
        clients=clients,
        oauth=OAuthIntegration(config, clients, OAuthStore(redis, prefix, acks=acks), grants),
    )


def _report_service(
    settings: Settings,
    clock: Clock,
    ring: KeyRing,
    store: ReportStore,
    fetchers: Sequence[RegionFetcher],
    calendar: WorkingDayCalendar,
) -> ReportService:
    validity = timedelta(days=settings.report_validity_days)
    return ReportService(
        store,
        fetchers,
        clock,
        issuer=Issuer(ring, validity=validity, public_base_url=settings.public_base_url),
        # One warrant per regional call, signed with the key ring's active key (invariant 3).
        warrants=WarrantIssuer(ring, issuer=settings.warrants_issuer, lifetime_s=settings.warrant_lifetime_s),
        deadline_s=settings.request_deadline_s,
        window_lag_working_days=settings.window_lag_working_days,
        calendar=calendar,
    )


@asynccontextmanager
async def open_services(
    settings: Settings, clock: Clock, *, wrap: FetcherWrapper | None = None, registry: CollectorRegistry | None = None
) -> AsyncIterator[Services]:
    """Every service over freshly opened resources; all of them are closed when the block ends.

    Metrics go to ``registry`` (the application's; a private one when not given, e.g. the CLI)."""
    registry = registry if registry is not None else CollectorRegistry()
    region_metrics, report_metrics = RegionMetrics(registry), ReportMetrics(registry)
    # No default secret ever protects real data: production settings are checked before anything is opened.
    settings.check_production()
    # Without signing keys no report can be issued: refuse to start (KeysMissing says to run `jjj keys init`).
    ring = load_keyring(settings.keys_dir)
    # Nor with a holiday schedule that is unreadable or wrong: ScheduleError names the file and line.
    calendar = load_calendar(settings.holiday_schedules)
    async with AsyncExitStack() as stack:
        redis = open_redis(settings)
        stack.push_async_callback(redis.aclose)
        await initialized(redis)
        prefix, secret = settings.redis_prefix, settings.subject_key_secret.get_secret_value().encode()
        # One long-lived channel per region for the process lifetime (gRPC's own advice: channels are expensive).
        tls = settings.node_tls()
        # Region signatures are checked against the federation CA, also over plaintext (development) when its
        # certificate is there; without it every region's answer is refused (never clean: invariant 1).
        answers = (
            None
            if tls is not None or not settings.tls_ca.is_file()
            else AnswerVerifier.from_pem(settings.tls_ca.read_bytes())
        )
        clients = [
            AdapterClient(r, settings.node_target(r), tls=tls, insecure=tls is None, answers=answers)
            for r in REGION_ORDER
        ]
        for client in clients:
            stack.push_async_callback(client.close)
        # One breaker per region, in this process's memory (README "Operations": what that means with N replicas);
        # inside it, UNAVAILABLE is retried with a fresh warrant, so one report's attempts are one call to the breaker.
        breakers = AsyncCircuitBreakerFactory()
        guarded = [
            BreakerFetcher(RetryingFetcher(c), breakers, region_metrics, failure_threshold=settings.breaker_failures,
                           cooldown_s=settings.breaker_cooldown_s)
            for c in clients
        ]  # fmt: skip
        fetchers: list[RegionFetcher] = [wrap(g) if wrap else g for g in guarded]
        # Grants, codes, issued reports and the audit chain wait for their replicas (JJJ_REDIS_MIN_REPLICAS_ACK).
        acks = replica_ack(settings)
        audit = AuditLog(redis, prefix, ring, checkpoint_every=settings.audit_checkpoint_every, clock=clock, acks=acks)
        snapshots = SnapshotStore(
            redis,
            prefix,
            validity=timedelta(days=settings.report_validity_days),
            retention=timedelta(days=settings.report_metadata_retention_days),
            acks=acks,
        )
        report_store = RedisReportStore(redis, prefix, secret, snapshots, audit, acks=acks)
        # Worker processes start now, in the background (pdf_prewarm; /healthz tells when they are warm), or on
        # the first PDF; never at import or per request.
        pdf = PdfRenderer(workers=settings.pdf_workers, keyring=ring)
        stack.push_async_callback(asyncio.to_thread, pdf.close)
        if settings.pdf_prewarm:
            warm = asyncio.create_task(pdf.prewarm())
            stack.callback(warm.cancel)
        yield Services(
            redis=redis,
            keyring=ring,
            consent=consent_services(settings, redis, ring),
            audit=audit,
            snapshots=snapshots,
            report_store=report_store,
            fetchers=fetchers,
            reports=_report_service(
                settings, clock, ring, ObservedReportStore(report_store, report_metrics), fetchers, calendar
            ),
            rate_limiter=RateLimiter(
                redis,
                prefix,
                per_client=Limit(settings.verify_attempts_per_client, settings.verify_window_s),
                per_report=Limit(settings.verify_attempts_per_report, settings.verify_window_s),
            ),
            pdf=pdf,
            calendar=calendar,
            metrics=report_metrics,
        )
