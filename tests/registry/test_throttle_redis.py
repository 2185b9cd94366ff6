"""The rate limiter on a shared Redis cache: several web processes count one allowance.

Production runs gunicorn with several workers, each a process with its own memory; the limits
hold only because every worker counts in the same Redis (CACHE_URL). Each worker here is a
separate Python process, so nothing but Redis is shared. Skipped, with the reason, when no Redis
answers at HOLDFAST_TEST_REDIS_URL (default redis://127.0.0.1:6379/15); CI starts one.
"""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REDIS_URL = os.environ.get("HOLDFAST_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TOP = Path(__file__).resolve().parents[2]

WORKER = """
import sys
import django
from django.conf import settings
settings.configure(CACHES={"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": sys.argv[1]}})
django.setup()
from registry import throttle
limit = throttle.Limit("sign-in:account", sys.argv[2], throttle.parse_rate("5/h"))
refused = [throttle.hit(limit, now=float(sys.argv[3])) is not None for _ in range(int(sys.argv[4]))]
print(sum(refused))
"""


def redis_answers():
    address = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((address.hostname, address.port or 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not redis_answers(), reason=f"no Redis answers at {REDIS_URL} (CI starts one)"
)


def worker(subject, hits, now=1_000_000.0):
    result = subprocess.run(
        [sys.executable, "-c", WORKER, REDIS_URL, subject, str(now), str(hits)],
        capture_output=True,
        text=True,
        cwd=TOP,
        timeout=60,
        check=True,
    )
    return int(result.stdout.strip())


def test_two_processes_share_one_allowance_through_redis():
    subject = f"alice-{uuid.uuid4()}"  # a fresh counter, whatever ran before

    first = worker(subject, hits=4)
    second = worker(subject, hits=4)

    # 5 an hour in all: the first process used 4, so the second gets 1 more and 3 refusals.
    assert (first, second) == (0, 3)


def test_another_window_starts_a_new_count():
    subject = f"bob-{uuid.uuid4()}"

    assert worker(subject, hits=6, now=2_000_000.0) == 1
    assert worker(subject, hits=1, now=2_000_000.0 + 3600) == 0
