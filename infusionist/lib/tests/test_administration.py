"""The delivered amount computed from pump events, with the reference's worked examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusionist.lib import pk
from infusionist.lib.administration import (
    AdministrationError,
    PumpEvent,
    Segment,
    delivered,
    pk_schedule,
)

T0 = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)
D = Decimal


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def ev(kind: str, minutes: float, rate: str | None = None, dose: str | None = None) -> PumpEvent:
    return PumpEvent(
        kind=kind,
        at=at(minutes),
        rate_ml_per_h=D(rate) if rate is not None else None,
        dose_mg=D(dose) if dose is not None else None,
    )


# ---- the reference's worked examples (docs/clinical-reference.md §1) --------------------------


def test_35_mg_over_40_minutes_at_150_ml_per_h() -> None:
    # 70 kg × 0.5 mg/kg = 35 mg in 100 mL (0.35 mg/mL) over 40 min = 150 mL/h.
    result = delivered([ev("start", 0, "150"), ev("stop", 40)], D("0.35"), at(90))
    assert result.volume_ml == D("100")
    assert result.mg == D("35")
    assert not result.running and not result.paused
    assert result.segments == (Segment(at(0), at(40), D("150")),)


def test_a_pause_in_the_middle_is_a_gap() -> None:
    events = [ev("start", 0, "150"), ev("pause", 20), ev("resume", 30), ev("stop", 50)]
    result = delivered(events, D("0.35"), at(90))
    assert result.volume_ml == D("100") and result.mg == D("35")
    assert [(s.start, s.end) for s in result.segments] == [(at(0), at(20)), (at(30), at(50))]


def test_while_paused_the_pump_counts_nothing() -> None:
    events = [ev("start", 0, "150"), ev("pause", 20)]
    result = delivered(events, D("0.35"), at(35))
    assert result.paused and not result.running
    assert result.volume_ml == D("50") and result.mg == D("17.5")


def test_a_rate_change_splits_the_segment() -> None:
    # 150 mL/h for 20 min (50 mL) then 75 mL/h for 20 min (25 mL) = 75 mL, 26.25 mg.
    events = [ev("start", 0, "150"), ev("rate", 20, "75"), ev("stop", 40)]
    result = delivered(events, D("0.35"), at(60))
    assert result.volume_ml == D("75") and result.mg == D("26.25")
    assert [s.rate_ml_per_h for s in result.segments] == [D("150"), D("75")]


def test_a_resume_at_a_new_rate() -> None:
    events = [ev("start", 0, "150"), ev("pause", 20), ev("resume", 30, "75"), ev("stop", 50)]
    assert delivered(events, D("0.35"), at(60)).volume_ml == D("75")


def test_pain_infusion_14_ml_per_h_for_4_hours() -> None:
    # 80 kg × 0.35 mg/kg/h × 4 h = 112 mg; at 2 mg/mL = 14 mL/h and 56 mL.
    result = delivered([ev("start", 0, "14"), ev("stop", 240)], D("2"), at(300))
    assert result.volume_ml == D("56") and result.mg == D("112")


def test_a_running_pump_counts_up_to_now() -> None:
    result = delivered([ev("start", 0, "150")], D("0.35"), at(10))
    assert result.running and result.volume_ml == D("25") and result.mg == D("8.75")
    assert result.segments[-1].end == at(10)
    # A clock behind the start counts nothing, never a negative amount.
    assert delivered([ev("start", 0, "150")], D("0.35"), at(-1)).mg == 0


def test_doses_add_to_the_total() -> None:
    # Esketamine: two 28-mg devices 5 minutes apart, no pump.
    result = delivered([ev("dose", 0, dose="28"), ev("dose", 5, dose="28")], D("0"), at(10))
    assert result.mg == D("56") and result.doses_mg == D("56") and result.volume_ml == 0
    assert result.infused_mg == 0 and not result.running


def test_waste_is_never_delivered() -> None:
    events = [ev("start", 0, "150"), ev("stop", 40), ev("waste", 45, dose="5")]
    assert delivered(events, D("0.35"), at(60)).mg == D("35")


def test_seconds_are_exact() -> None:
    events = [
        PumpEvent("start", T0, D("150")),
        PumpEvent("stop", T0 + dt.timedelta(seconds=1, microseconds=500_000), None),
    ]
    assert delivered(events, D("1"), T0).volume_ml == D("150") * D("1.5") / 3600


# ---- impossible sequences ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "words"),
    [
        ([ev("start", 0, "150"), ev("start", 5, "150")], "already started"),
        ([ev("rate", 0, "150")], "before the pump was started"),
        ([ev("pause", 0)], "before the pump was started"),
        ([ev("start", 0, "150"), ev("resume", 5)], "only when it is paused"),
        ([ev("start", 0, "150"), ev("pause", 5), ev("pause", 6)], "already paused"),
        ([ev("start", 0, "150"), ev("pause", 5), ev("rate", 6, "75")], "only while the pump"),
        ([ev("start", 0, "150"), ev("stop", 5), ev("resume", 6)], "after the pump was stopped"),
        ([ev("start", 0, "150"), ev("stop", 5), ev("start", 6, "150")], "already started"),
        ([ev("start", 10, "150"), ev("stop", 5)], "earlier than the event before"),
        ([ev("start", 0)], "needs a rate"),
        ([ev("start", 0, "0")], "above 0 mL/h"),
        ([ev("start", 0, "-5")], "above 0 mL/h"),
        ([ev("start", 0, "150"), ev("rate", 5, "NaN")], "above 0 mL/h"),
        ([ev("dose", 0)], "above 0 mg"),
        ([ev("bolus", 0)], "Unknown"),
    ],
)
def test_impossible_sequences_are_refused_in_plain_words(
    events: list[PumpEvent], words: str
) -> None:
    with pytest.raises(AdministrationError, match=words):
        delivered(events, D("0.35"), at(60))


def test_naive_times_and_negative_concentrations_are_refused() -> None:
    naive = dt.datetime(2026, 12, 7, 9, 0)  # noqa: DTZ001
    with pytest.raises(AdministrationError, match="time zone"):
        delivered([PumpEvent("start", naive, D("1"))], D("1"), T0)
    with pytest.raises(AdministrationError, match="concentration"):
        delivered([], D("-1"), T0)
    assert issubclass(AdministrationError, ValueError)


# ---- the PK schedule --------------------------------------------------------------------------


def test_pk_schedule_in_minutes_from_origin() -> None:
    events = [
        ev("start", 0, "150"),
        ev("pause", 20),
        ev("resume", 30),
        ev("dose", 35, dose="10"),
        ev("stop", 50),
    ]
    schedule = pk_schedule(events, D("0.35"), at(-5), at(60))
    assert schedule == [
        pk.Infusion(start_min=5.0, duration_min=20.0, rate_mg_per_min=0.875),
        pk.Infusion(start_min=35.0, duration_min=20.0, rate_mg_per_min=0.875),
        pk.Bolus(time_min=40.0, dose_mg=10.0),
    ]
    assert pk.schedule_dose_mg(schedule) == pytest.approx(45.0)


# ---- properties -------------------------------------------------------------------------------

rates = st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2)
concentrations = st.decimals(min_value=D("0"), max_value=D("100"), places=4)
seconds = st.integers(min_value=0, max_value=48 * 3600)


@given(rate=rates, concentration=concentrations, length=seconds)
def test_one_segment_equals_rate_times_time(
    rate: Decimal, concentration: Decimal, length: int
) -> None:
    end = T0 + dt.timedelta(seconds=length)
    result = delivered([PumpEvent("start", T0, rate), PumpEvent("stop", end)], concentration, end)
    assert result.volume_ml == rate * length / 3600
    assert result.mg == rate * concentration * length / 3600
    assert result.volume_ml >= 0 and result.mg >= 0


@given(rate=rates, concentration=concentrations, length=seconds, cut=st.floats(0, 1))
def test_splitting_a_segment_with_a_rate_change_to_the_same_rate_adds_up(
    rate: Decimal, concentration: Decimal, length: int, cut: float
) -> None:
    end = T0 + dt.timedelta(seconds=length)
    middle = T0 + dt.timedelta(seconds=int(length * cut))
    whole = delivered([PumpEvent("start", T0, rate), PumpEvent("stop", end)], concentration, end)
    split = delivered(
        [PumpEvent("start", T0, rate), PumpEvent("rate", middle, rate), PumpEvent("stop", end)],
        concentration,
        end,
    )
    assert split.volume_ml == whole.volume_ml and split.mg == whole.mg


@given(
    rate=rates,
    concentration=concentrations,
    length=seconds,
    pause_at=st.floats(0, 1),
    pause_s=st.integers(0, 3600),
)
def test_pausing_never_increases_what_is_delivered(
    rate: Decimal, concentration: Decimal, length: int, pause_at: float, pause_s: int
) -> None:
    now = T0 + dt.timedelta(seconds=length)
    paused = T0 + dt.timedelta(seconds=int(length * pause_at))
    resumed = min(now, paused + dt.timedelta(seconds=pause_s))
    straight = delivered([PumpEvent("start", T0, rate)], concentration, now)
    with_pause = delivered(
        [
            PumpEvent("start", T0, rate),
            PumpEvent("pause", paused),
            PumpEvent("resume", resumed),
        ],
        concentration,
        now,
    )
    assert D(0) <= with_pause.mg <= straight.mg
    assert D(0) <= with_pause.volume_ml <= straight.volume_ml


@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["rate", "pause", "resume", "dose", "stop"]), seconds, rates),
        max_size=12,
    ),
    concentration=concentrations,
)
def test_delivered_is_never_negative_or_it_refuses(
    steps: list[tuple[str, int, Decimal]], concentration: Decimal
) -> None:
    events = [PumpEvent("start", T0, D("100"))]
    offset = 0
    for kind, gap, value in steps:
        offset += gap
        when = T0 + dt.timedelta(seconds=offset)
        events.append(
            PumpEvent(
                kind,
                when,
                value if kind in ("rate", "resume") else None,
                value if kind == "dose" else None,
            )
        )
    now = T0 + dt.timedelta(seconds=offset + 60)
    try:
        result = delivered(events, concentration, now)
    except AdministrationError:
        return
    assert result.volume_ml >= 0 and result.mg >= 0 and result.doses_mg >= 0
    assert not (result.running and result.paused)
