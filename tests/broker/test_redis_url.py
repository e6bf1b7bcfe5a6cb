"""``JJJ_REDIS_URL``'s forms: one Redis, Sentinel, Cluster, with TLS; a bad URL is refused naming the part at fault
and never echoing the password; production refuses a networked Redis without one, whatever the form."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from broker.redis_url import RedisTarget, RedisUrlError, Topology, parse_redis_url
from broker.settings import InsecureConfiguration, Settings

SECRET = "s3cr3t-p4ss"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379/0", RedisTarget(Topology.SINGLE, (("127.0.0.1", 6379),), False)),
        ("rediss://jjj:pw@redis.internal:6380/2",
         RedisTarget(Topology.SINGLE, (("redis.internal", 6380),), True, 2, "", "jjj", "pw")),
        ("redis+sentinel://s1:26379,s2:26380,s3/mymaster/1",
         RedisTarget(Topology.SENTINEL, (("s1", 26379), ("s2", 26380), ("s3", 26379)), False, 1, "mymaster")),
        ("rediss+sentinel://jjj:p%40ss%2Fw@s1:26379,[::1]:26379/jjj-main",
         RedisTarget(Topology.SENTINEL, (("s1", 26379), ("::1", 26379)), True, 0, "jjj-main", "jjj", "p@ss/w")),
        ("redis+cluster://n1:7000,n2:7001,n3:7002/0",
         RedisTarget(Topology.CLUSTER, (("n1", 7000), ("n2", 7001), ("n3", 7002)), False)),
        ("REDISS+CLUSTER://:pw@n1:7000", RedisTarget(Topology.CLUSTER, (("n1", 7000),), True, 0, "", None, "pw")),
    ],
)  # fmt: skip
def test_the_documented_forms(url: str, expected: RedisTarget) -> None:
    assert parse_redis_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://h:6379/0", "the scheme must be"),
        ("redis://a:6379,b:6379/0", "one server"),
        ("redis+sentinel://s1:26379", "names its service"),
        ("redis+sentinel://s1:26379/my master", "names its service"),
        ("redis+sentinel://s1:26379/mymaster/0/extra", "one part too many"),
        ("redis+cluster://n1:7000/3", "only database 0"),
        ("redis://h:99999/0", "out of range"),
        ("redis://h:6379/sixteen", "number from 0 to 15"),
        ("redis+cluster://n1:7000?ssl=true", "no ?options"),
        (f"redis://jjj:{SECRET}/x@h:6379/0", "percent-encode"),  # an unencoded '/' in the password
    ],
)
def test_a_bad_url_names_what_is_wrong_and_not_the_password(url: str, says: str) -> None:
    with pytest.raises(RedisUrlError, match=re.escape(says)) as caught:
        parse_redis_url(url)
    assert SECRET not in str(caught.value)
    with pytest.raises(ValidationError) as invalid:
        Settings.model_validate({"redis_url": url})
    assert "JJJ_REDIS_URL" in str(invalid.value)
    assert SECRET not in str(invalid.value)


@pytest.mark.parametrize(
    "url",
    ["redis+sentinel://sentinel.internal:26379/mymaster/0", "redis+cluster://127.0.0.1:7000,node2.internal:7000"],
)
def test_production_refuses_a_networked_sentinel_or_cluster_without_a_password(url: str) -> None:
    settings = Settings.model_validate({"redis_url": url, "subject_key_secret": "x" * 40, "env": "production"})
    with pytest.raises(InsecureConfiguration, match="JJJ_REDIS_URL"):
        settings.check_production()
    loopback = Settings.model_validate(
        {"redis_url": "redis+sentinel://127.0.0.1:26379,localhost:26380/mymaster", "subject_key_secret": "x" * 40}
    )
    assert loopback.production_problems() == []


@pytest.mark.parametrize("prefix", ["{jjj}:", "jjj:{a", "jjj}"])
def test_a_prefix_with_braces_is_refused(prefix: str) -> None:
    # The broker places its own hash tags; a brace in the prefix would make the prefix the tag of every key.
    with pytest.raises(ValidationError, match="hash tags"):
        Settings.model_validate({"redis_prefix": prefix})
