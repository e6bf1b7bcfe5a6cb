"""``JJJ_REDIS_URL`` read into what :mod:`broker.redis_client` needs: one Redis, a Sentinel-watched master, or a
Redis Cluster.

The forms (``rediss`` in place of ``redis`` speaks TLS to every server named or discovered)::

    redis://[user:password@]host:6379/0
    redis+sentinel://[user:password@]host:26379,host2:26379,host3:26379/mymaster/0
    redis+cluster://[user:password@]host:7000,host2:7000,host3:7000[/0]

A Sentinel URL names the sentinels and the service (``sentinel monitor <service> …`` in their configuration); the
client asks them where the master is and asks again after a failover. The user and password authenticate at the
data servers and at the sentinels alike (one ACL user configured on all of them). A cluster URL names some of its
nodes (the client discovers the rest); a cluster has only database 0. User and password are percent-decoded.
A plain ``redis://`` URL goes to redis-py as it is (its ``?options`` included). Errors name what is wrong without
repeating the URL, which holds a password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

_SCHEME = re.compile(r"^(rediss?)(\+sentinel|\+cluster)?://", re.IGNORECASE)
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$")
_SERVICE = re.compile(r"^[A-Za-z0-9._-]+$")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class RedisUrlError(ValueError):
    """``JJJ_REDIS_URL`` is not one of the documented forms; the message says which part is wrong."""


class Topology(StrEnum):
    SINGLE = "single"
    SENTINEL = "sentinel"
    CLUSTER = "cluster"


@dataclass(frozen=True, slots=True)
class RedisTarget:
    topology: Topology
    hosts: tuple[tuple[str, int], ...]
    tls: bool
    db: int = 0
    #: The Sentinel service name (``mymaster``); empty for the other topologies.
    service: str = ""
    username: str | None = None
    password: str | None = None

    @property
    def networked(self) -> bool:
        """Whether any server named is reached over the network (not loopback)."""
        return any(host not in LOOPBACK for host, _ in self.hosts)


def parse_redis_url(url: str) -> RedisTarget:
    if url.startswith("unix://"):  # a socket on this machine: redis-py reads the rest
        return RedisTarget(Topology.SINGLE, (), tls=False)
    match = _SCHEME.match(url)
    if match is None:
        raise RedisUrlError(
            "JJJ_REDIS_URL: the scheme must be redis://, rediss://, unix://, redis+sentinel://, rediss+sentinel://, "
            "redis+cluster:// or rediss+cluster://"
        )
    tls = match.group(1).lower() == "rediss"
    topology = Topology((match.group(2) or "+single")[1:].lower())
    rest, _, query = url[match.end() :].partition("?")
    authority, _, path = rest.partition("/")
    if query and topology is not Topology.SINGLE:
        raise RedisUrlError("JJJ_REDIS_URL: a Sentinel or cluster URL takes no ?options")
    username, password, hosts_part = _userinfo(authority)
    default_port = 26379 if topology is Topology.SENTINEL else 6379
    hosts = tuple(_host(part, default_port) for part in hosts_part.split(","))
    segments = [s for s in path.split("/") if s]
    if topology is Topology.SINGLE and len(hosts) != 1:
        raise RedisUrlError("JJJ_REDIS_URL: redis:// names one server; several are redis+sentinel:// or +cluster://")
    service = ""
    if topology is Topology.SENTINEL:
        if not segments or not _SERVICE.match(segments[0]):
            raise RedisUrlError("JJJ_REDIS_URL: a Sentinel URL names its service: redis+sentinel://h:26379/mymaster/0")
        service, segments = segments[0], segments[1:]
    if len(segments) > 1:
        raise RedisUrlError("JJJ_REDIS_URL: the path has one part too many (…/db)")
    db = _db(segments[0]) if segments else 0
    if topology is Topology.CLUSTER and db != 0:
        raise RedisUrlError("JJJ_REDIS_URL: a Redis Cluster has only database 0")
    return RedisTarget(topology, hosts, tls, db, service, username, password)


def _userinfo(authority: str) -> tuple[str | None, str | None, str]:
    userinfo, at, hosts = authority.rpartition("@")
    if not at:
        return None, None, authority
    user, colon, password = userinfo.partition(":")
    return (unquote(user) or None), (unquote(password) if colon else None), hosts


def _host(part: str, default_port: int) -> tuple[str, int]:
    match = _HOST.match(part.strip())
    if match is None:
        # Not echoed: a password with an unencoded '/' or '@' ends up here.
        raise RedisUrlError(
            "JJJ_REDIS_URL: a server is not host or host:port (percent-encode '/', '@' and ':' in the password)"
        )
    port = int(match.group(2)) if match.group(2) else default_port
    if not 0 < port < 65536:
        raise RedisUrlError(f"JJJ_REDIS_URL: port {port} is out of range")
    return match.group(1).strip("[]"), port


def _db(text: str) -> int:
    if not text.isdigit() or int(text) > 15:
        raise RedisUrlError(f"JJJ_REDIS_URL: the database must be a number from 0 to 15, not {text!r}")
    return int(text)
