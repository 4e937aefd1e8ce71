"""A small fixed-window rate limit for the public pages, kept in Django's cache.

Why this and not a library: one public page needs it, and the rule is simple — at most
`limit` requests per client address per minute — so tokens cannot be tried by the
thousand. The address is `REMOTE_ADDR`, which `reintegration.proxy` sets from the
trusted proxy's X-Forwarded-For. The counters live in the default cache: Redis with
`REDIS_URL`, shared by every gunicorn worker of every server, so the limit is exact across
all of them (tests/test_jobs_worker.py: two servers); without it (`make run`) each
process counts on its own.
"""

import time

from django.core.cache import cache

VERIFY_LIMIT_PER_MINUTE = 30


def too_many_requests(request, *, scope: str, limit: int = VERIFY_LIMIT_PER_MINUTE,
                      window: int = 60) -> bool:
    """Count this request; True once the client went over `limit` in the current window."""
    address = request.META.get("REMOTE_ADDR") or "unknown"
    key = f"ratelimit:{scope}:{address}:{int(time.time() // window)}"
    # add() is a no-op when the key exists; incr() is atomic in the shared caches.
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window * 2)
        count = 1
    return count > limit
