"""Pure rules of requests and quotes, table-driven."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from instruments.requests import rules
from instruments.requests.models import QuoteStatus, RequestStatus, ServiceUnit

S = RequestStatus


@pytest.mark.parametrize(
    ("current", "target", "side", "code"),
    [
        (S.SUBMITTED, S.QUOTED, "staff", None),
        (S.SUBMITTED, S.QUOTED, "requester", "wrong_side"),
        (S.QUOTED, S.ACCEPTED, "requester", None),
        (S.QUOTED, S.ACCEPTED, "staff", "wrong_side"),
        (S.SUBMITTED, S.ACCEPTED, "requester", "out_of_order"),
        (S.SUBMITTED, S.DELIVERED, "staff", "out_of_order"),
        (S.ACCEPTED, S.DELIVERED, "staff", "out_of_order"),
        (S.IN_PROGRESS, S.DELIVERED, "staff", None),
        (S.DELIVERED, S.CLOSED, "requester", None),
        (S.DELIVERED, S.CLOSED, "staff", None),
        (S.ACCEPTED, S.WITHDRAWN, "requester", "out_of_order"),
        (S.CLOSED, S.QUOTED, "staff", "out_of_order"),
        (S.QUOTED, S.LAPSED, "system", None),
        (S.REJECTED, S.SUBMITTED, "staff", "out_of_order"),
    ],
)
def test_transition_problems(current, target, side, code):
    problems = rules.transition_problems(current, target, side)
    assert [p.code for p in problems] == ([code] if code else [])


@pytest.mark.parametrize(
    ("qty", "price", "codes"),
    [
        (1, 10, []),
        (Decimal("0.5"), 0, []),
        (0, 10, ["quantity"]),
        (-3, 10, ["quantity"]),
        (10**9, 10, ["quantity"]),
        ("NaN", 10, ["quantity"]),
        ("abc", 10, ["quantity"]),
        (1, -1, ["unit_price"]),
        (1, "1e12", ["unit_price"]),
    ],
)
def test_quote_line_problems(qty, price, codes):
    problems = rules.quote_line_problems([rules.LineInput("Run", "sample", qty, price)])
    assert [p.code for p in problems] == codes


def test_quote_line_problems_lists_every_problem_and_needs_a_line():
    assert [p.code for p in rules.quote_line_problems([])] == ["no_lines"]
    problems = rules.quote_line_problems([rules.LineInput("", "x", -1, -1)])
    assert {p.code for p in problems} == {"line_description", "quantity", "unit_price"}


def test_price_lines_rounds_half_up_to_the_cent():
    lines, total = rules.price_lines(
        [rules.LineInput("a", "h", "1.5", "0.35"), rules.LineInput("b", "h", 2, 10)]
    )
    assert [x.amount for x in lines] == [Decimal("0.53"), Decimal("20.00")]
    assert total == Decimal("20.53")


@pytest.mark.parametrize(
    ("ctype", "data", "existing", "codes"),
    [
        ("application/pdf", b"%PDF-1.4 x", 0, []),
        ("application/pdf", b"MZ\x90\x00", 0, ["file_content"]),
        ("application/x-msdownload", b"MZ", 0, ["file_type"]),
        ("text/plain", b"hello", 0, []),
        ("text/plain", b"a\x00b", 0, ["file_content"]),
        ("text/plain", b"", 0, ["file_empty"]),
        ("text/plain", b"x", 20, ["too_many_files"]),
    ],
)
def test_attachment_problems(ctype, data, existing, codes):
    problems = rules.attachment_problems(ctype, len(data), data[:16], existing=existing)
    assert [p.code for p in problems] == codes


def test_attachment_problems_refuses_files_over_the_limit():
    problems = rules.attachment_problems("text/plain", rules.MAX_FILE_BYTES + 1, b"x")
    assert [p.code for p in problems] == ["file_size"]


@pytest.mark.parametrize(
    ("status", "expired", "latest", "code"),
    [
        (QuoteStatus.OPEN, False, True, None),
        (QuoteStatus.OPEN, True, True, "quote_lapsed"),
        (QuoteStatus.LAPSED, True, True, "quote_lapsed"),
        (QuoteStatus.SUPERSEDED, False, False, "quote_superseded"),
        (QuoteStatus.OPEN, False, False, "quote_superseded"),
        (QuoteStatus.ACCEPTED, False, True, "quote_decided"),
    ],
)
def test_quote_decision_problems(status, expired, latest, code):
    problems = rules.quote_decision_problems(status, expired=expired, is_latest=latest)
    assert [p.code for p in problems] == ([code] if code else [])


def test_quote_expired_uses_the_facility_day():
    # 23:30 UTC on 31 March is already 1 April in Rome: a quote valid until 31 March has lapsed.
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert rules.quote_expired(date(2026, 3, 31), "Europe/Rome", late)
    assert not rules.quote_expired(date(2026, 3, 31), "America/New_York", late)


def test_validity_problems():
    today = date(2026, 3, 2)
    assert rules.validity_problems(date(2026, 3, 2), today) == []
    assert rules.validity_problems(date(2026, 3, 1), today)[0].code == "valid_until"
    assert rules.validity_problems(date(2027, 6, 1), today)[0].code == "valid_until"
    assert rules.validity_problems(None, today)[0].code == "valid_until"


def test_request_problems_lists_every_problem():
    problems = rules.request_problems(
        title="",
        description="",
        samples=-1,
        start_on=date(2026, 3, 1),
        end_on=date(2026, 2, 1),
        today=date(2026, 3, 2),
    )
    assert {p.code for p in problems} == {
        "title",
        "description",
        "samples",
        "start_past",
        "end_before_start",
    }


def test_draft_lines_price_the_service_for_the_category():
    lines = rules.draft_lines(
        service_name="Run", unit=ServiceUnit.SAMPLE, price=Decimal("50"), samples=12
    )
    assert lines[0].quantity == 12 and lines[0].unit_price == Decimal("50")
    project = rules.draft_lines(
        service_name="Study", unit=ServiceUnit.PROJECT, price=Decimal("900"), samples=5
    )
    assert project[0].quantity == 1
    assert rules.draft_lines(service_name=None, unit=None, price=None, samples=None) == []


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://data.example.org/x", True), ("javascript:alert(1)", False), ("ftp://x/y", False)],
)
def test_link_problems(url, ok):
    assert (rules.link_problems(url) == []) is ok


def test_delivery_and_feedback_problems():
    assert [p.code for p in rules.delivery_problems("", 0)] == ["closing_note", "no_deliverables"]
    assert rules.feedback_problems(5, "") == []
    assert [p.code for p in rules.feedback_problems(9, "")] == ["rating"]
