"""One figure reader for drafting, review and eval: a figure the data supports is accepted however a report writes it;
any other figure is flagged. Property tests over amounts, counts and rates written in Arabic and Chinese numerals."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.budget.facts import FactSheet, build_facts
from assistant.budget.models import ReportData
from assistant.drafting.grounding import ground
from assistant.drafting.placeholders import Filled
from assistant.evaluation.assertions import grounded_numbers
from assistant.text.numbers import find_numbers

LOWER = "零一二三四五六七八九"
UPPER = "零壹贰叁肆伍陆柒捌玖"


def chinese(n: int, upper: bool = False) -> str:
    """An integer below 10**8 as a report writes it in words: 三千二百零五, 壹万贰仟."""
    digits = UPPER if upper else LOWER
    places = ("仟", "佰", "拾", "") if upper else ("千", "百", "十", "")

    def below_10k(x: int) -> str:
        out, gap = "", False
        for power, place in zip((3, 2, 1, 0), places, strict=True):
            d = x // 10**power % 10
            if d == 0:
                gap = bool(out)
            else:
                out += ("零" if gap else "") + digits[d] + place
                gap = False
        return out

    high, low = divmod(n, 10000)
    text = below_10k(high) + "万" + ("零" if 0 < low < 1000 else "") + below_10k(low) if high else below_10k(low)
    ten = digits[1] + places[2]
    return text[1:] if text.startswith(ten) and not upper else text


def data(yuan: Decimal, people: int, rate_budget: Decimal) -> ReportData:
    """A department whose data holds one amount (元), one count (人) and, through a budget, one execution rate."""
    return ReportData.model_validate(
        {
            "year": 2024,
            "money_unit": "元",
            "department": {"name": "测试局", "counts": [{"label": "服务对象", "value": people, "unit": "人"}]},
            "budget": {"total": f"{rate_budget:f}元", "executed": f"{yuan:f}元"},
        }
    )


def is_flagged(sheet: FactSheet, sentence: str) -> bool:
    """Does drafting flag a figure in a model's sentence, and does the eval's assertion agree?"""
    _, findings = ground(Filled(text=sentence), sheet, origin="model")
    drafting = any(f.rule == "draft-ungrounded-number" for f in findings)
    subject: Any = type("S", (), {"facts": sheet, "text": sentence})()
    verdict = grounded_numbers(type("A", (), {"value": None})(), subject)  # type: ignore[arg-type]
    assert drafting == (not verdict.passed), sentence
    return drafting


def money_forms(yuan: Decimal) -> list[str]:
    """Ways a report writes an amount given in 元."""
    wan = yuan / 10000
    forms = [f"{yuan:f}元", f"{format(wan.normalize(), 'f')}万元"]
    forms.append(f"约{wan.quantize(Decimal('0.01'), ROUND_HALF_UP)}万元")
    if yuan >= 10**6:
        # 近 rounds up to two significant figures, which keeps it within a tenth of the amount.
        place = Decimal(10) ** (len(str(int(wan))) - 2)
        forms.append(f"近{(wan / place).quantize(Decimal(1), ROUND_CEILING) * place}万元")
        floor = (wan / 100).quantize(Decimal(1), ROUND_FLOOR) * 100
        if floor < wan:  # 超过 is strict
            forms.append(f"超过{floor}万元")
    if yuan == yuan.to_integral_value() and yuan < 10**8:
        forms.append(f"{chinese(int(yuan))}元")
        forms.append(f"人民币{chinese(int(yuan), upper=True)}元整")
    elif yuan * 100 == (yuan * 100).to_integral_value() and yuan < 10**8:
        whole, cents = divmod(int(yuan * 100), 100)
        jiao, fen = divmod(cents, 10)
        words = f"{chinese(whole, upper=True)}元" if whole else ""
        words += (f"{UPPER[jiao]}角" if jiao else "零") + (f"{UPPER[fen]}分" if fen else "")
        if whole:
            forms.append(words)
    return forms


def count_forms(n: int) -> list[str]:
    forms = [f"{n}人", f"{chinese(n)}人"]
    if n >= 10000:
        wan = Decimal(n) / 10000
        forms.append(f"约{wan.quantize(Decimal('0.1'), ROUND_HALF_UP)}万人")
        forms.append(f"{format(wan.normalize(), 'f')}万人")
        if wan.quantize(Decimal(1), ROUND_FLOOR) < wan:
            forms.append(f"超过{wan.quantize(Decimal(1), ROUND_FLOOR)}万人")
    return forms


def rate_forms(rate: Decimal) -> list[str]:
    two = rate.quantize(Decimal("0.01"), ROUND_HALF_UP)
    one = rate.quantize(Decimal("0.1"), ROUND_HALF_UP)
    forms = [f"{two}%", f"{one}%"]
    whole, _, frac = format(one, "f").partition(".")
    forms.append("百分之" + chinese(int(whole)) + ("点" + "".join(LOWER[int(c)] for c in frac) if frac != "0" else ""))
    return forms


amounts = st.one_of(
    st.integers(min_value=1000, max_value=99_999_999).map(Decimal),
    st.integers(min_value=100_000, max_value=9_999_999_999).map(lambda c: Decimal(c) / 100),
)
counts = st.integers(min_value=1, max_value=9_999_999)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(yuan=amounts, people=counts)
def test_an_amount_the_data_holds_is_accepted_however_it_is_written(yuan: Decimal, people: int) -> None:
    sheet = build_facts(data(yuan, people, yuan * 2))
    for form in money_forms(yuan):
        assert find_numbers(form), form
        assert not is_flagged(sheet, f"全年执行{form}。"), form


@SETTINGS
@given(yuan=amounts, people=counts)
def test_a_count_the_data_holds_is_accepted_however_it_is_written(yuan: Decimal, people: int) -> None:
    sheet = build_facts(data(yuan, people, yuan * 2))
    for form in count_forms(people):
        assert not is_flagged(sheet, f"全年服务{form}。"), form


@SETTINGS
@given(yuan=amounts, budget=st.integers(min_value=2, max_value=50))
def test_a_rate_the_data_supports_is_accepted_in_digits_and_in_words(yuan: Decimal, budget: int) -> None:
    total = (yuan * budget / 3).quantize(Decimal("0.01"))
    sheet = build_facts(data(yuan, 7, total))
    rate = sheet["budget.execution_rate_calc"].value
    for form in rate_forms(rate):
        assert not is_flagged(sheet, f"预算执行率为{form}。"), form


@SETTINGS
@given(yuan=amounts, people=counts, extra=st.integers(min_value=3, max_value=9))
def test_any_other_figure_is_flagged_in_every_form(yuan: Decimal, people: int, extra: int) -> None:
    sheet = build_facts(data(yuan, people, yuan * 2))
    # Far from every fact of the data (each fact is at most twice the amount or the count), in every form.
    other_yuan = (yuan * 2 + 1) * extra + Decimal("0.01") * extra
    other_people = (people * 2 + 1) * extra + 1
    for form in money_forms(other_yuan.quantize(Decimal("0.01"))):
        assert is_flagged(sheet, f"全年执行{form}。"), form
    for form in count_forms(other_people):
        assert is_flagged(sheet, f"全年服务{form}。"), form


def test_an_approximate_figure_is_read_with_its_multiplier_and_unit() -> None:
    mention = find_numbers("改造面积约1.2万平方米")[0]
    assert (mention.value, mention.unit, mention.approximate) == (Decimal(12000), "平方米", True)


def test_near_and_over_respect_their_side() -> None:
    sheet = build_facts(data(Decimal(49_870_000), 31_200, Decimal(99_740_000)))
    assert not is_flagged(sheet, "全年执行近5000万元。")  # 4987万元 is near 5000万元, from below
    assert is_flagged(sheet, "全年执行超过5000万元。")  # but not over it
    assert not is_flagged(sheet, "服务超过3万人。")
    assert is_flagged(sheet, "服务不足3万人。")


def test_near_a_round_figure_means_within_a_tenth_below_it() -> None:
    sheet = build_facts(data(Decimal(1_000_000), 5, Decimal(9_600_000)))  # 100万元 executed, 960万元 budget
    assert not is_flagged(sheet, "全年预算近1000万元。")  # 960万元
    assert not is_flagged(sheet, "全年执行近100万元。")
    assert is_flagged(sheet, "全年执行近2000万元。")
    sheet = build_facts(data(Decimal(1_000_000), 5, Decimal(2_000_000)))
    assert is_flagged(sheet, "全年执行近1000万元。")  # neither 100万元 nor 200万元 is nearly 1000万元


def test_a_negative_figure_in_words_is_not_its_positive() -> None:
    sheet = build_facts(data(Decimal(1000), 5, Decimal(2000)))
    assert find_numbers("增长率为负5%")[0].value == Decimal(-5)
    assert is_flagged(sheet, "执行率为负50%。")
    assert not is_flagged(sheet, "执行率为50%。")
