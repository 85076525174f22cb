"""api.npmjs.org's periods: `last-day`, `last-week`, `last-month`, `last-year`, `YYYY-MM-DD`,
`YYYY-MM-DD:YYYY-MM-DD` (download-counts.md). npm's are computed once a day and end
yesterday; these counts are live, so the named periods end today (UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chalicelib.errors import InvalidQueryError

NAMED = {"last-day": 1, "last-week": 7, "last-month": 30, "last-year": 365}
MAX_DAYS = 549  # npm: at most 18 months for one package


def period_days(period: str, now: datetime | None = None) -> tuple[date, date]:
    end = (now or datetime.now(UTC)).date()
    if period in NAMED:
        return end - timedelta(days=NAMED[period] - 1), end
    first, _, last = period.partition(":")
    start, stop = _day(first), _day(last or first)
    if stop < start:
        raise InvalidQueryError(f"end date {stop} is before start date {start}")
    if (stop - start).days + 1 > MAX_DAYS:
        raise InvalidQueryError(f"a period can be at most {MAX_DAYS} days")
    return start, stop


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidQueryError(
            f"invalid period {text!r}: use last-day, last-week, last-month, last-year, "
            "YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD"
        ) from None
