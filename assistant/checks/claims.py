"""The claims ledger: completion claims checked against the report's own rates and amounts.

A claim is a kind of statement, not a phrase list: money fully spent (全部支出、支出完毕、已完成…经费支付),
nothing carried over (不存在结转结余), a full rate (执行率100%、完成预算的100%), or no deviation / no problem
(不存在…偏离、无偏差、暂无问题). Each is checked against every spending rate the report states or lets a reader
derive (see ``rates``), and against items whose spending is below their budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from assistant.checks.amounts import amounts, item_at, same_item
from assistant.checks.execution_rows import form_at, forms
from assistant.checks.finding import Finding
from assistant.checks.rates import Rate, rates
from assistant.checks.registry import Context, rule
from assistant.checks.spans import finditer_from, last_of
from assistant.units import format_number

Kind = Literal["spent", "full-rate", "steady"]

_MONEY = r"(?:经费|资金|补贴|补助|款项|预算)"
_PAY = r"(?:支出|支付|拨付|发放|兑付|使用)"
# (?:不存在|未出现|没有|无)[^。；|，,\n]{0,12}?(?:偏离|偏差|差异) with each opening word spelt out (in the order the
# engine tries them), so that every alternative opens with a fixed character and the engine skips to them.
_NO_DEVIATION = "|".join(rf"{w}[^。；|，,\n]{{0,12}}?(?:偏离|偏差|差异)" for w in ("不存在", "未出现", "没有", "无"))
_CLAIM_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    ("spent", re.compile(r"(?:不存在|无|没有|未产生|未形成)(?:任何)?(?:结转结余|结转资金|结余资金|结转|结余)")),
    (
        "spent",
        re.compile(rf"(?:所有|全部|各项){_MONEY}[^。；\n|]{{0,12}}?(?:完成支出|{_PAY}完毕|全部{_PAY}|已{_PAY}(?!\d))"),
    ),
    ("spent", re.compile(rf"{_PAY}完毕")),
    # 全额/足额 of the money itself: "工资足额发放" speaks of salaries, not of the fund being spent.
    (
        "spent",
        re.compile(rf"{_MONEY}[^。；|，,\n]{{0,4}}?(?:已|均已)?(?:全部|全额|足额){_PAY}(?:到位|完毕)?(?![\d率])"),
    ),
    ("spent", re.compile(rf"已完成[^。；|，,\n]{{0,14}}?{_MONEY}[^。；|，,\n]{{0,4}}?(?:的)?(?:支付|拨付|发放|兑付)")),
    ("full-rate", re.compile(r"完成(?:年初|全年)?预算的\s*100(?:\.0+)?\s*[%％]")),
    ("full-rate", re.compile(r"(?:执行|支出|支付|资金|预算)进度(?:为|达到?|是)?\s*100(?:\.0+)?\s*[%％]")),
    ("steady", re.compile(rf"{_NO_DEVIATION}|执行数与预算数(?:基本)?一致")),
]
# "暂无问题" is a claim when it answers the problems heading, or sits beside 正常/良好.
_NO_PROBLEM = re.compile(r"(?:暂无|无|没有|不存在|未发现)(?:明显|突出|重大|任何)?问题")
_PROBLEM_HEADING = re.compile(r"存在(?:的)?问题")
_GOING_WELL = re.compile(r"正常|良好|顺利")
_ABOUT_MONEY = re.compile(r"执行|支出|进度|运转|运行")
# Money the report itself says is left: "尚未支付12万元", "结转下年资金3.5万元", "结余资金8万元".
_LEFTOVER = re.compile(
    r"(?<!不存在)(?<!无)(?<!没有)(?:尚未|暂未|未)(?:支出|使用|支付|拨付|兑付|发放)(?:的)?(?:资金|金额|款项)?"
    r"|(?<!不存在)(?<!无)(?<!没有)(?:结转|结余|剩余|余款)(?:至|到)?(?:下年|下一年度|下年度)?(?:使用)?(?:的)?(?:资金|金额)?"
    r"(?:为|共|共计)?"
)
_FULL = Decimal("99.5")  # below 99.5% spent is not "all spent"


@dataclass(frozen=True)
class Claim:
    """A completion claim, its span and its kind."""

    start: int
    end: int
    kind: Kind
    text: str


def claims(ctx: Context) -> list[Claim]:
    """Every completion claim in the report, in document order (memoised per review)."""

    def compute(c: Context) -> list[Claim]:
        text = c.text
        found: list[Claim] = []
        for kind, pattern in _CLAIM_PATTERNS:
            found.extend(Claim(m.start(), m.end(), kind, m.group()) for m in pattern.finditer(text))
        for r in rates(c):
            if r.source in ("stated", "row") and r.value >= 100:
                s = _clause_of(text, r.start)
                found.append(Claim(s, r.end, "full-rate", text[s : r.end]))
        for m in _NO_PROBLEM.finditer(text):
            s = _clause_of(text, m.start())
            heading = _PROBLEM_HEADING.search(text, max(m.start() - 40, 0), m.start())
            sent = c.sentence_at(m.start())[0]
            if heading or (_GOING_WELL.search(text, sent, m.start()) and _ABOUT_MONEY.search(text, sent, m.start())):
                found.append(Claim(s, m.end(), "steady", text[s : m.end()]))
        found.sort(key=lambda c: (c.start, c.end))
        out: list[Claim] = []
        for claim in found:
            if out and claim.start <= out[-1].end + 1:
                # One statement, one claim: "支出完毕全部支出" is said once.
                if claim.end > out[-1].end:
                    last = out[-1]
                    out[-1] = Claim(last.start, claim.end, last.kind, text[last.start : claim.end])
                continue
            out.append(claim)
        return out

    return ctx.memo("claims", compute)


def _clause_of(text: str, offset: int) -> int:
    return last_of(text, "，,。；;:：|\n", offset) + 1


def threshold(ctx: Context) -> Decimal:
    """The execution rate (%) below which a reason is required, from the review config."""
    return Decimal(ctx.config.scoring.low_execution_rate)


_ITEM_TITLE = re.compile(r"项目|资金|经费|专项|工程")


def same_scope(ctx: Context, claim: Claim, r: Rate) -> bool:
    """Whether a rate speaks of the money a claim speaks of: same form, same item, same item section."""
    if len(forms(ctx)) >= 2 and form_at(ctx, r.start) != form_at(ctx, claim.start):
        return False  # another form is another project
    claim_item, rate_item = item_at(ctx, claim.start), r.item or item_at(ctx, r.start)
    cs, rs = ctx.doc.section_at(claim.start), ctx.doc.section_at(r.start)
    if claim_item:
        # A claim about one project is checked against that project's figures only.
        if rate_item:
            return same_item(claim_item, rate_item)
        return cs is None or rs is None or cs.id == rs.id
    if cs is not None and rs is not None and cs.id != rs.id:
        # Two sections each about a project ("（一）甲项目", "（二）乙项目") are two projects.
        if _ITEM_TITLE.search(cs.title) and _ITEM_TITLE.search(rs.title) and cs.level == rs.level:
            return False
    return True


def _in_form(ctx: Context, key: str, spots: list[Rate], claim: Claim) -> list[Rate]:
    """The spots ``same_scope`` can accept for ``claim``, in order: in a document of several forms only those of
    the claim's form can be (grouped once per review under ``key``), so a claim never walks the whole report."""
    if len(forms(ctx)) < 2:
        return spots

    def group(c: Context) -> dict[tuple[int, int] | None, list[Rate]]:
        out: dict[tuple[int, int] | None, list[Rate]] = {}
        for r in spots:
            out.setdefault(form_at(c, r.start), []).append(r)
        return out

    return ctx.memo(key, group).get(form_at(ctx, claim.start), [])


def _contradicting_rate(ctx: Context, claim: Claim) -> Rate | None:
    """The first rate in the claim's scope that the claim cannot be true beside."""
    limit = _FULL if claim.kind == "spent" else threshold(ctx)
    low = ctx.memo(f"claims.rates<{limit}", lambda c: [r for r in rates(c) if r.value < limit])
    for r in _in_form(ctx, f"claims.rates<{limit}.by_form", low, claim):
        if claim.start <= r.start < claim.end:
            continue
        if same_scope(ctx, claim, r):
            return r
    return None


def _underspent_item(ctx: Context, claim: Claim) -> str | None:
    """A sentence naming the first item (the claim's own, when it names one) spent below its budget."""
    claim_item = item_at(ctx, claim.start)
    answers: dict[str | None, str | None] = ctx.memo("claims.underspent", lambda _c: {})
    if claim_item not in answers:  # the items' sums are the whole report's: one answer per item a claim names
        answers[claim_item] = next(
            (said for item, said in _underspent_items(ctx) if not claim_item or same_item(claim_item, item)), None
        )
    if answers[claim_item] is not None:
        return answers[claim_item]
    if ctx.facts is not None:
        for f in ctx.facts:
            if f.id.endswith(".execution_rate_calc") and f.value < _FULL:
                return f"数据显示{f.label}为 {f.written()}"
    return None


def _underspent_items(ctx: Context) -> list[tuple[str, str]]:
    """Every item spent below its budget, in the order the report first names it, with the sentence saying so."""

    def compute(c: Context) -> list[tuple[str, str]]:
        by_item: dict[str, dict[str, list[Decimal]]] = {}
        raw: dict[tuple[str, str], str] = {}
        for a in amounts(c):
            if a.item is None or a.attribute == "other":
                continue
            by_item.setdefault(a.item, {}).setdefault(a.attribute, []).append(a.yuan)
            raw.setdefault((a.item, a.attribute), a.mention.raw)
        out = []
        for item, attrs in by_item.items():
            budgets, spent = attrs.get("budget") or attrs.get("initial"), attrs.get("spent")
            if budgets and spent and min(spent) < max(budgets) * _FULL / 100:
                low = min(spent)
                rate = format_number(low / max(budgets) * 100, 2)
                budget_raw = raw.get((item, "budget")) or raw[(item, "initial")]
                said = f"报告中“{item}”预算 {budget_raw}、实际支出 {format_number(low / 10000)}万元（执行率约 {rate}%）"
                out.append((item, said))
        return out

    return ctx.memo("claims.underspent_items", compute)


def _leftovers(ctx: Context) -> list[Rate]:
    """Every place the report says money is unspent or carried over, with its amount (a rate of 0 at that span)."""

    def compute(c: Context) -> list[Rate]:
        out = []
        for m in finditer_from(_LEFTOVER, c.text, "[尚暂未结剩余]"):  # lookbehinds only where a word starts
            after = [n for n in c.numbers_in(m.end(), m.end() + 12) if n.kind == "money" and n.value > 0]
            if not after or re.search(r"[，,。；;\n\d]", c.text[m.end() : after[0].start]):
                continue  # the amount must be the leftover's own, in the same clause
            out.append(Rate(Decimal(0), m.start(), after[0].end, "stated", ""))
        return out

    return ctx.memo("claims.leftovers", compute)


def _leftover(ctx: Context, claim: Claim) -> str | None:
    """Money the report says is unspent or carried over, in the claim's scope, as a sentence."""
    for spot in _in_form(ctx, "claims.leftovers.by_form", _leftovers(ctx), claim):
        if claim.start <= spot.start < claim.end:
            continue
        if same_scope(ctx, claim, spot):
            line, _ = ctx.doc.line_col(spot.start)
            return f"报告写明“{ctx.text[spot.start : spot.end]}”（原文第 {line} 行）"
    return None


def _evidence(ctx: Context, claim: Claim) -> str | None:
    r = _contradicting_rate(ctx, claim)
    if r is not None:
        line, _ = ctx.doc.line_col(r.start)
        how = "按金额计算" if r.source == "derived" else "报告所写"
        return f"{how}的执行率为 {r.shown()}（{r.basis}，原文第 {line} 行）"
    left = _leftover(ctx, claim)
    if left is not None:
        return left
    if claim.kind == "spent" or claim.kind == "full-rate":
        return _underspent_item(ctx, claim)
    return None


@rule(
    "claims.completeness",
    "“全部支出/不存在结转结余/100%”与报告中的执行率或金额矛盾",
    category="contradiction",
    severity="error",
    example="全年预算120万元，实际支出86万元。……项目资金已全部支出完毕，不存在结转结余。",
    counter_example="全年预算120万元，实际支出120万元。……项目资金已全部支出完毕，不存在结转结余。",
)
def completeness_claims(ctx: Context) -> Iterator[Finding]:
    """Flag a claim of full spending when a rate or an item in the report shows money left unspent."""
    for claim in claims(ctx):
        if claim.kind == "steady":
            continue
        evidence = _evidence(ctx, claim)
        if evidence:
            yield ctx.finding(
                "claims.completeness",
                "contradiction",
                "error",
                claim.start,
                claim.end,
                f"此处称“{claim.text}”，但{evidence}",
                "据实写明执行数、执行率和结转结余金额及原因，删去与数据不符的完成表述",
            )


@rule(
    "claims.no-deviation",
    "“无偏差/不存在偏离/暂无问题”与报告中偏低的执行率矛盾",
    category="contradiction",
    severity="error",
    example="预算执行率为72%。……执行数与预算数基本一致，未出现较大偏差。",
    counter_example="预算执行率为98.6%。……执行数与预算数基本一致，未出现较大偏差。",
)
def no_deviation_claims(ctx: Context) -> Iterator[Finding]:
    """Flag "no deviation / no problem" when the report's own execution rate is below the threshold."""
    for claim in claims(ctx):
        if claim.kind != "steady":
            continue
        r = _contradicting_rate(ctx, claim)
        if r is not None:
            line, _ = ctx.doc.line_col(r.start)
            why = f"执行率为 {r.shown()}（{r.basis}，原文第 {line} 行），低于 {format_number(threshold(ctx))}%"
        else:
            why = _leftover(ctx, claim) or ""
        if not why:
            continue
        yield ctx.finding(
            "claims.no-deviation",
            "contradiction",
            "error",
            claim.start,
            claim.end,
            f"此处称“{claim.text}”，但{why}",
            "如实说明执行偏差及其原因和改进措施",
        )
