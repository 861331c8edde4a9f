import datetime as dt

from prefect_core import timeutil


def test_parse_normalises_offsets_and_formats() -> None:
    a = timeutil.parse("2024-01-22T17:30:45.123456+02:00")
    b = timeutil.parse("2024-01-22 15:30:45.123456Z")
    assert a == b and a.tzinfo == dt.UTC


def test_isoformat_is_fixed_width_utc() -> None:
    value = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert timeutil.isoformat(value) == "2024-01-02T08:04:05.000000Z"


def test_naive_is_taken_as_utc() -> None:
    assert timeutil.to_utc(dt.datetime(2024, 1, 1)).tzinfo == dt.UTC
