"""Production carries what it uses, once, and no test tool (issue 18: django-htmx installed
and never imported, boto3 pinned twice, axe-core shipped among the static files)."""

import re
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

BASE = Path(settings.BASE_DIR)
REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(?:\[(?P<extras>[^\]]+)\])?==(?P<version>\S+)$")
# Used without an import of their own in the code: through a setting or a program.
USED_INDIRECTLY = {
    "argon2-cffi": "Django's Argon2PasswordHasher (PASSWORD_HASHERS)",
    "psycopg2-binary": "Django's PostgreSQL engine (DATABASE_URL)",
    "crispy-bootstrap5": "the crispy template pack (INSTALLED_APPS, CRISPY_TEMPLATE_PACK)",
    "gunicorn": "the application server (gunicorn.conf.py, deploy/)",
    "boto3": "django-storages' S3 backend (DJANGO_STORAGE_BACKEND=s3)",
    "redis": "Django's RedisCache and Celery's Redis broker (REDIS_URL)",
}
SOURCE_DIRS = ["reintegration", "beneficiaries", "grants", "ceremonies"]


def production_requirements() -> list[re.Match]:
    lines = (BASE / "requirements.txt").read_text().splitlines()
    found = [REQUIREMENT.match(line.strip()) for line in lines if line.strip() and not line.startswith("#")]
    assert all(found), "every production requirement is pinned with =="
    return found


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def source_text() -> str:
    files = [path for directory in SOURCE_DIRS for path in (BASE / directory).rglob("*.py")]
    return "\n".join(path.read_text() for path in files)


def test_each_production_requirement_is_pinned_once_extras_included():
    requirements = production_requirements()
    names = [normalised(r["name"]) for r in requirements]
    assert len(names) == len(set(names))
    for requirement in requirements:
        for extra in (requirement["extras"] or "").split(","):
            if not extra:
                continue
            pulled = {
                normalised(re.split(r"[ ;<>=!\[]", line)[0])
                for line in metadata.requires(requirement["name"]) or []
                if f'extra == "{extra.strip()}"' in line
            }
            assert not pulled & set(names), (requirement["name"], extra, pulled & set(names))


def test_each_production_requirement_is_used():
    code = source_text()
    modules = metadata.packages_distributions()
    unused = []
    for requirement in production_requirements():
        name = normalised(requirement["name"])
        if name in USED_INDIRECTLY or name == "django":
            continue
        imported = [module for module, dists in modules.items() if name in map(normalised, dists)]
        used = any(
            re.search(rf"^\s*(?:import|from)\s+{re.escape(module)}\b", code, re.MULTILINE)
            or f'"{module}' in code
            for module in imported
        )
        if not used:
            unused.append(requirement["name"])
    assert unused == []


def test_no_test_tool_is_among_the_static_files():
    static = [path for finder in finders.get_finders() for path, _storage in finder.list([])]
    assert not [path for path in static if "axe" in path.lower()]
    assert (BASE / "tests/browser/vendor/axe/axe.min.js").exists()  # the browser tests' copy
