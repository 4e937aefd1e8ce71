"""Structured logs: one JSON line per request and per error, on standard output.

A line carries the time, the level, the logger, the message and, for requests, the
method, the path, the status, the duration and the user's id. Never a name, a national
ID or a query string: the files belong to vulnerable people (law 09-08), and searches
(`?q=...`) may hold their names. URLs of the app carry random public ids only.

This module imports nothing from Django at import time, so that gunicorn's own
configuration can use the formatter before Django is set up.
"""

import json
import logging
import time
import traceback
from datetime import UTC, datetime

request_logger = logging.getLogger("reintegration.request")

# Attributes of a LogRecord that a request line adds through `extra=`.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id")


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON.

    An exception is written as its class and the frames it went through (file, line,
    function), not its message: database errors quote the values that failed
    ("Key (cin)=(AB123456) already exists"), and those are personal data.
    """

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            line["exception"] = exc_type.__name__
            line["traceback"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """Writes one line per request once the response is ready.

    First in MIDDLEWARE, so the duration covers every other middleware and the static
    files that whitenoise answers are counted too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        # request.path: the query string is left out on purpose (see the module's docstring).
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        request_logger.log(
            level,
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
        return response
