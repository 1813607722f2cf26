from datetime import date, datetime

import pytest

from services.resync_plan import range_window, resync_steps


def test_a_window_covers_the_last_day_of_the_range():
    assert range_window(date(2026, 3, 1), date(2026, 3, 1)) == (
        datetime(2026, 3, 1),
        datetime(2026, 3, 2),
    )


def test_a_short_range_is_one_pull_then_one_push():
    steps = resync_steps(date(2026, 3, 1), date(2026, 3, 3), "both")
    assert [kind for kind, _window in steps] == ["pull", "push"]
    assert {window for _kind, window in steps} == {(datetime(2026, 3, 1), datetime(2026, 3, 4))}


def test_a_quarter_is_cut_into_monthly_windows_that_touch_without_overlap():
    steps = resync_steps(date(2026, 1, 1), date(2026, 3, 31), "pull")
    windows = [window for _kind, window in steps]
    assert windows == [
        (datetime(2026, 1, 1), datetime(2026, 2, 1)),
        (datetime(2026, 2, 1), datetime(2026, 3, 4)),
        (datetime(2026, 3, 4), datetime(2026, 4, 1)),
    ]


def test_both_directions_pull_each_window_before_pushing_it():
    steps = resync_steps(date(2026, 1, 1), date(2026, 2, 15), "both")
    assert [(kind, window[0].month, window[0].day) for kind, window in steps] == [
        ("pull", 1, 1),
        ("push", 1, 1),
        ("pull", 2, 1),
        ("push", 2, 1),
    ]


def test_an_empty_range_has_no_step_and_a_bad_direction_is_refused():
    assert resync_steps(date(2026, 2, 1), date(2026, 1, 1), "both") == []
    with pytest.raises(ValueError, match="sideways"):
        resync_steps(date(2026, 1, 1), date(2026, 1, 2), "sideways")
