"""compute_window: N years inclusive, listing's 36 months, lag over Chinese working days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from merge.editions import Edition
from merge.holiday_schedule import parse_schedule
from merge.window import compute_window
from merge.working_days import CalendarYearMissing, WorkingDayCalendar

TEST_2027 = Path(__file__).parent / "data" / "holidays-2027-test.toml"


def test_three_years_inclusive_ending_on_the_application_date() -> None:
    assert compute_window(date(2026, 10, 9), 3, Edition.STANDARD) == (date(2023, 10, 10), date(2026, 10, 9))


def test_five_years() -> None:
    assert compute_window(date(2026, 3, 1), 5, Edition.ADMINISTRATIVE) == (date(2021, 3, 2), date(2026, 3, 1))


def test_feb_29_counts_back_to_feb_28() -> None:
    # 2024-02-29 less 3 years is 2021-02-28; the window starts the day after.
    assert compute_window(date(2024, 2, 29), 3, Edition.STANDARD) == (date(2021, 3, 1), date(2024, 2, 29))
    assert compute_window(date(2024, 2, 29), 5, Edition.STANDARD) == (date(2019, 3, 1), date(2024, 2, 29))


def test_listing_edition_uses_its_fixed_36_months_whatever_the_years() -> None:
    expected = (date(2023, 10, 10), date(2026, 10, 9))
    assert compute_window(date(2026, 10, 9), 5, Edition.LISTING) == expected
    assert compute_window(date(2026, 10, 9), 3, Edition.LISTING) == expected
    # Month-end clamping: 36 months before 2025-03-31 is 2022-03-31.
    assert compute_window(date(2025, 3, 31), 5, Edition.LISTING)[0] == date(2022, 4, 1)


def test_lag_skips_the_national_day_golden_week() -> None:
    # 2026-10-01..07 are holidays; 10-08 is the first working day after them.
    assert compute_window(date(2026, 10, 8), 3, Edition.STANDARD, lag_working_days=1)[1] == date(2026, 9, 30)
    assert compute_window(date(2026, 10, 8), 3, Edition.STANDARD, lag_working_days=2)[1] == date(2026, 9, 29)
    # Asked during the holiday, the previous working day is still the day before it.
    window = compute_window(date(2026, 10, 5), 3, Edition.STANDARD, lag_working_days=1)
    assert window == (date(2023, 10, 1), date(2026, 9, 30))


def test_lag_counts_adjusted_working_weekends() -> None:
    # Saturday 2026-10-10 is a make-up working day (调休): one working day back from Monday 10-12.
    assert compute_window(date(2026, 10, 12), 3, Edition.STANDARD, lag_working_days=1)[1] == date(2026, 10, 10)


def test_lag_zero_needs_no_calendar() -> None:
    assert compute_window(date(2099, 6, 1), 3, Edition.STANDARD) == (date(2096, 6, 2), date(2099, 6, 1))


def test_year_outside_the_calendar_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="no Chinese working-day calendar for 2099"):
        compute_window(date(2099, 6, 1), 3, Edition.STANDARD, lag_working_days=1)


def test_a_lag_into_2027_fails_naming_the_year_until_a_schedule_gives_it() -> None:
    # Issue 11: chinese_calendar 1.11 (the newest release) stops at 2026, so with Dongguan's 7-working-day lag
    # every report from early January 2027 would be refused.
    with pytest.raises(CalendarYearMissing, match=r"^no Chinese working-day calendar for 2027: ") as caught:
        compute_window(date(2027, 1, 5), 3, Edition.STANDARD, lag_working_days=7)
    assert caught.value.year == 2027
    calendar = WorkingDayCalendar([parse_schedule(TEST_2027.read_text(), str(TEST_2027))])
    # Back from Tuesday 2027-01-05: Mon 01-04, then over the New Year weekend (Fri 01-01 off in the file) into
    # 2026, whose days the package still gives: 12-31, 12-30, 12-29, 12-28, 12-25, 12-24.
    window = compute_window(date(2027, 1, 5), 3, Edition.STANDARD, lag_working_days=7, calendar=calendar)
    assert window == (date(2023, 12, 25), date(2026, 12, 24))


@pytest.mark.parametrize("years", [0, 1, 4, 10, -3])
def test_years_must_be_3_or_5(years: int) -> None:
    with pytest.raises(ValueError, match=r"window_years must be one of \[3, 5\]"):
        compute_window(date(2026, 1, 5), years, Edition.STANDARD)


def test_negative_lag_is_refused() -> None:
    with pytest.raises(ValueError, match="lag_working_days"):
        compute_window(date(2026, 1, 5), 3, Edition.STANDARD, lag_working_days=-1)
