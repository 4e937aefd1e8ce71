"""Django's Redis cache, whose `clear()` empties the cache only.

The cache shares its Redis database with Celery's broker and results (one `REDIS_URL`):
Django's own `clear()` is FLUSHDB, which would drop the queued tasks too. This one deletes
the keys under the cache's prefix (`KEY_PREFIX`, required) and nothing else.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.exceptions import ImproperlyConfigured


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        if not self.key_prefix:
            raise ImproperlyConfigured("The Redis cache needs a KEY_PREFIX (reintegration/common/cache.py).")

    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True
