"""Names that disagree with the report itself: its place and unit, its narrator, its funds, and garbled org names.

A report is written by one unit at one level (a 局 of a 县, a 研究室 of a 市委 …). Text copied from another unit's
template or from a higher level's document keeps that other unit's self-reference (我区 in a city's report, 本委 in
a 研究室's), another town's name, or a fund name written another way. These rules read the report's own unit from its
title or cover fields and compare; where the unit cannot be read they stay silent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.checks.spans import finditer_from, last_of
from assistant.checks.structure import paragraphs

_LEVELS = "省市州区县旗镇乡"
_PLACE = re.compile(rf"([\u4e00-\u9fff]{{2,6}}?)(自治区|街道|[{_LEVELS}])(?=[\u4e00-\u9fff])")
_SELF_PLACE = re.compile(rf"[我本]([{_LEVELS}])(?![域间块别级长委属])")
_FIELD = re.compile(
    r"(?:部门(?:（单位）|\(单位\))?名称|单位名称|项目单位|实施单位|预算单位|填报单位|评价单位|资金使用单位)"
    r"[\s:：|]*([\u4e00-\u9fff（）()]{4,40})"
)
# Final unit word -> how the unit calls itself (本X / 我X).
_UNIT_TYPES: list[tuple[str, set[str]]] = [
    ("委员会办公室", {"办", "委"}),
    ("研究室", {"室"}),
    ("办公室", {"办", "室"}),
    ("委员会", {"委", "会"}),
    ("联合会", {"会"}),
    ("工会", {"会"}),
    ("中心", {"中心"}),
    ("中学", {"校"}),
    ("小学", {"校"}),
    ("学校", {"校"}),
    ("学院", {"院", "校"}),
    ("大学", {"校"}),
    ("医院", {"院"}),
    ("院", {"院"}),
    ("局", {"局"}),
    ("厅", {"厅"}),
    ("委", {"委"}),
    ("办", {"办"}),
    ("处", {"处"}),
    ("所", {"所"}),
    ("站", {"站"}),
    ("馆", {"馆"}),
    ("队", {"队"}),
]
_SELF_UNIT = re.compile(
    r"[本我](委(?![托员派])|局|厅|办(?![法理公事])|室|中心|校|院(?![校])|处(?![理置罚])|所(?![得有在属需以述列谓])"
    r"|站|馆|队(?![伍列])|会(?![计议同商])|府)"
)


@dataclass(frozen=True)
class Unit:
    """The reporting unit as read from the title or cover: its name, level (市/县/区…) and self-reference words."""

    name: str
    level: str | None
    types: frozenset[str]


def own_unit(ctx: Context) -> Unit | None:
    """The unit that writes the report, from a cover field or the title line; None when it cannot be told."""
    return ctx.memo("entities.unit", _read_unit)


def _read_unit(ctx: Context) -> Unit | None:
    head = ctx.text[:600]
    field = _FIELD.search(head)
    if field:
        name = field.group(1)
    else:
        title = next((ctx.text[s:e] for s, e in paragraphs(ctx)[:3] if re.search(r"报告|自评|评价", ctx.text[s:e])), "")
        m = re.match(
            r"\s*([\u4e00-\u9fff（）()]{2,40}?)(?=\s*\d{4}|\s*[（(]\d{4}|关于|部门整体|项目支出|专项|财政|绩效)", title
        )
        if m is None:
            return None
        name = m.group(1)
    levels = [p.group(2) for p in _PLACE.finditer(name + "的")]
    level = levels[-1] if levels else None
    types: set[str] = set()
    for suffix, words in _UNIT_TYPES:
        if name.endswith(suffix) or (suffix in ("委员会", "委员会办公室") and suffix in name):
            types |= words
            if name.endswith(suffix):
                break
    return Unit(name, level, frozenset(types))


def _mixing_sentences(ctx: Context) -> list[tuple[int, int]]:
    """The sentences, in order, holding self-references to two levels (我区 … 我市), found from one search of the
    text: no self-reference crosses a sentence's end (both its characters are neither blanks nor closing marks),
    and one ending a sentence is followed by a blank or nothing, which its lookahead lets pass either way."""
    levels: dict[tuple[int, int], set[str]] = {}
    for m in _SELF_PLACE.finditer(ctx.text):
        span = ctx.sentence_at(m.start())
        if span[0] <= m.start() and m.end() <= span[1]:
            levels.setdefault(span, set()).add(m.group(1))
    return [span for span, found in levels.items() if len(found) > 1]


@rule(
    "names.self-reference-mix",
    "同一句中自称“我区”又称“我市”（沿用了其他层级文件的说法）",
    category="contradiction",
    severity="warning",
    example="南湖市困难学生资助项目自评报告\n为帮助我区困难学生顺利入学，对在我市就读的学生给予资助。",
    counter_example="南湖市困难学生资助项目自评报告\n为帮助我市困难学生顺利入学，对在我市就读的学生给予资助。",
)
def self_reference_mix(ctx: Context) -> Iterator[Finding]:
    """我区 and 我市 (or 我县/本市 …) in one sentence: one of them belongs to another unit's document."""
    unit = own_unit(ctx)
    text = ctx.text
    for s, e in _mixing_sentences(ctx):
        refs = list(_SELF_PLACE.finditer(text, s, e))
        if len({m.group(1) for m in refs}) < 2:
            continue
        wrong = [m for m in refs if unit and unit.level and m.group(1) != unit.level[-1]] or refs[1:2]
        m = wrong[0]
        others = "、".join(sorted({r.group() for r in refs} - {m.group()}))
        yield ctx.finding(
            "names.self-reference-mix",
            "contradiction",
            "warning",
            m.start(),
            min(e, m.end() + 8),
            f"同一句中既写“{m.group()}”又写“{others}”，自称不一致；“{m.group()}”可能沿用了其他层级文件的表述",
            f"统一为本单位的自称{'“我' + unit.level[-1] + '”' if unit and unit.level else ''}",
        )


@rule(
    "names.self-unit",
    "自称（本委、我局……）与报告单位的类型不符",
    category="contradiction",
    severity="warning",
    example="部门名称：东川市地方志研究室\n目标1：确保本委日常办公经费正常运行。",
    counter_example="部门名称：东川市地方志研究室\n目标1：确保本室日常办公经费正常运行。",
)
def self_unit(ctx: Context) -> Iterator[Finding]:
    """本委 in a 研究室's report, 我局 in a 中心's: the text was written for (or copied from) another unit."""
    unit = own_unit(ctx)
    if unit is None or not unit.types:
        return
    text = ctx.text
    seen: set[str] = set()
    for m in _SELF_UNIT.finditer(text):
        word = m.group(1)
        if word in unit.types or m.group() in seen:
            continue
        seen.add(m.group())
        yield ctx.finding(
            "names.self-unit",
            "contradiction",
            "warning",
            m.start(),
            m.end(),
            f"报告单位是“{unit.name}”，此处却自称“{m.group()}”；可能沿用了其他单位或旧机构名称的文字",
            f"改为与“{unit.name}”相符的自称，如“本单位”",
        )


_GARBLED = re.compile(
    r"中共中央(?:(?<=[县市区]中共中央)|(?=[\u4e00-\u9fff]{1,6}?[县市区]委))"
    r"|(?:河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海)"
    r"(?![省市])(?=(?:残疾人联合会|人民政府|总工会|[\u4e00-\u9fff]{2,6}厅|[\u4e00-\u9fff]{2,8}委员会))"
    r"|(?<=[局厅])部门(?=[ \t\u3000]*(?:[|\n]|$))|(?<=委员会|办公室)部门(?=[ \t\u3000]*(?:[|\n]|$))"
)
# Every match starts with one of these (the lookbehinds of the 部门 branches keep the engine from skipping).
_GARBLED_FIRST = "[中河山辽吉黑江浙安福湖广海四贵云陕甘青部]"


@rule(
    "names.garbled-org",
    "机关名称写错：县名中插入“中共中央”、省名后缺“省”、单位名后多“部门”",
    category="typo",
    severity="warning",
    example="主管部门：东平县中共中央东平县委",
    counter_example="主管部门：中共东平县委；根据中共中央、国务院的部署开展工作。",
)
def garbled_org(ctx: Context) -> Iterator[Finding]:
    """Official names garbled in a way no unit writes itself: 某县中共中央某县委, 湖北残疾人联合会, 某局部门."""
    text = ctx.text
    for m in finditer_from(_GARBLED, text, _GARBLED_FIRST):
        found = m.group()
        if found == "部门":
            start = last_of(text, "|\n：: ", m.start()) + 1
            yield ctx.finding(
                "names.garbled-org", "typo", "warning", start, m.end(),
                f"“{text[start:m.end()]}”在单位名称后多了“部门”", "删去“部门”，写单位全称",
            )  # fmt: skip
        elif "中共中央" in found:
            place = re.search(r"[\u4e00-\u9fff]{1,6}[县市区]$", text[max(0, m.start() - 7) : m.start()])
            start = m.start() - len(place.group()) if place else m.start()
            yield ctx.finding(
                "names.garbled-org", "typo", "warning", start, m.end(),
                f"“{text[start : m.end()]}”中混入了“中共中央”，机关名称写错", "写规范全称，如“中共某县委员会”",
            )  # fmt: skip
        else:
            tail = _ORG_TAIL.match(text, m.end())
            end = tail.end() if tail else m.end()
            yield ctx.finding(
                "names.garbled-org", "typo", "warning", m.start(), end,
                f"“{text[m.start():end]}”缺少“省”字，不是机关全称", f"写全称“{found}省…”",
            )  # fmt: skip


_ORG_TAIL = re.compile(r"[\u4e00-\u9fff]{0,8}?(?:联合会|人民政府|总工会|厅|委员会)")


@rule(
    "names.third-party-narrator",
    "自评报告以受托公司或事务所的口吻叙述（我公司、本所接受委托……）",
    category="structure",
    severity="warning",
    example="某县残疾人联合会2023年度项目绩效自评报告\n我公司接受委托，协助完成本次绩效自评工作。",
    counter_example="某县残疾人联合会2023年度项目绩效自评报告\n本会委托第三方机构对项目开展了重点评价。",
)
def third_party_narrator(ctx: Context) -> Iterator[Finding]:
    """A self-evaluation is the unit's own account; "我公司/本所接受委托" makes a contractor the narrator."""
    if not re.search(r"自评|自我评价", ctx.text[:400]):
        return
    unit = own_unit(ctx)
    m = re.search(r"[我本](?:公司|事务所)|[我本]所(?=[^。\n]{0,12}委托)", ctx.text)
    if m is None or (unit is not None and "所" in unit.types and m.group().endswith("所")):
        return
    s, e = ctx.sentence_at(m.start())
    clause = re.search(r"[，,；;。]", ctx.text[m.end() : e])
    end = m.end() + clause.start() if clause else e
    yield ctx.finding(
        "names.third-party-narrator",
        "structure",
        "warning",
        m.start(),
        end,
        f"自评报告中出现“{m.group()}”，以受托机构的口吻叙述，自评的责任主体不清",
        "以本单位名义叙述；第三方协助的，写明“委托某机构协助”并由本单位对结论负责",
    )


_QUOTED = re.compile(r"“([^“”\n]{8,60})”")
_FUND_TAIL = re.compile(r"(?:资金|项目|工程|计划|基金)(?:——|$)")


@rule(
    "names.variant",
    "同一资金或项目名称前后写法不一致",
    category="contradiction",
    severity="warning",
    example="“乡村产业发展专项资金——设施农业”资金到位。附件：“乡村产业振兴专项资金——设施农业”绩效自评报告。"
    "“乡村产业发展专项资金——设施农业”执行率98%。",
    counter_example="“乡村产业发展专项资金——设施农业”和“科技创新专项资金——重点研发”均已完成自评。",
)
def name_variants(ctx: Context) -> Iterator[Finding]:
    """Quoted fund/project names that differ by a word or two (or share the part after ——): the rarer spelling."""
    text = ctx.text
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in _QUOTED.finditer(text):
        name = re.sub(r"\s+", "", m.group(1))
        if _FUND_TAIL.search(name):
            spans.setdefault(name, []).append(m.span(1))
    names = list(spans)
    counts = Counter({n: len(v) for n, v in spans.items()})
    reported: set[str] = set()
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if not _same_thing(a, b):
                continue
            rare = a if counts[a] < counts[b] else b if counts[b] < counts[a] else b
            common = b if rare == a else a
            if rare in reported:
                continue
            reported.add(rare)
            s, e = spans[rare][0]
            yield ctx.finding(
                "names.variant",
                "contradiction",
                "warning",
                s,
                e,
                f"名称“{rare}”与文中的“{common}”只差几个字，应是同一资金或项目，写法不一致",
                f"核对正式名称，全文统一写作“{common}”或批复文件中的名称",
            )


def _same_thing(a: str, b: str) -> bool:
    if "——" in a and "——" in b:
        head_a, tail_a = a.split("——", 1)
        head_b, tail_b = b.split("——", 1)
        return tail_a == tail_b and head_a != head_b and _distance(head_a, head_b) <= 3
    if min(len(a), len(b)) < 10:
        return False
    d = _distance(a, b)
    differing = set(a) ^ set(b)
    # 2022年/2023年, 一期/二期: numbered siblings, not spelling variants
    return 0 < d <= 2 and not differing <= set("0123456789一二三四五六七八九十〇")


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


_NOT_A_NAME = re.compile(r"按照|根据|下属|所属|通过|对于|关于|属于|位于|全体|依照|会同|组织|协助|配合|报送|上报|指导")
_ORG_AFTER = re.compile(r"[\u4e00-\u9fff]{0,8}?(?:局|委|办|中心|站|所|院|政府|委员会|公司|厅|馆|队|学校|医院)")
_OTHER_CONTEXT = re.compile(r"赴|到|前往|与|和|同|帮扶|对口|支援|协作|学习|考察|兄弟|周边|邻近|相邻|联合|交流|毗邻")


@rule(
    "names.other-place",
    "报告中出现另一个同级地方的名称（沿用了其他乡镇、区县的模板）",
    category="contradiction",
    severity="warning",
    example="青石镇2023年度部门整体支出绩效自评报告\n本年度绩效目标：白沙镇完成农村道路硬化12公里。",
    counter_example="青石镇2023年度部门整体支出绩效自评报告\n本年度绩效目标：全镇完成农村道路硬化12公里，并赴白沙镇学习交流。",
)
def other_place(ctx: Context) -> Iterator[Finding]:
    """A 甲镇 report whose goals or own work name 乙镇: a template filled for another place of the same level."""
    unit = own_unit(ctx)
    if unit is None or unit.level not in ("镇", "乡", "街道", "县", "区"):
        return
    own = [p for p in _PLACE.finditer(unit.name + "的") if p.group(2) == unit.level]
    if not own:
        return
    own_name = own[-1].group(1)[-2:]
    text = ctx.text
    # A name standing as a subject or object: after a clause boundary or a preposition, never inside a word run.
    pattern = re.compile(
        rf"(?:(?<=[，。；：:、\s|（(])|(?<=[在由对为向将把从]))([\u4e00-\u9fff]{{2}}){unit.level}(?![级域长委内外])"
    )
    head_end = paragraphs(ctx)[0][1] if paragraphs(ctx) else 0
    for m in pattern.finditer(text, head_end):
        prefix = m.group(1)
        if (
            prefix == own_name
            or prefix in unit.name
            or re.search(r"[全本我该各此每乡镇县区市省村年度月日的和与及或等是在为]", prefix)
        ):
            continue
        if _NOT_A_NAME.search(prefix) or _ORG_AFTER.match(text, m.end()):
            continue  # "按照县财政局", "下属县水利站": 县 opens a county-level unit's name, not another place
        s, e = ctx.sentence_at(m.start())
        before = text[max(s, m.start() - 8) : m.start()]
        around = text[max(s, m.start() - 1) : min(e, m.end() + 1)]
        if _OTHER_CONTEXT.search(before) or "、" in around:
            continue
        sentence = text[s:e]
        own_work = re.search(rf"[我本全该]{unit.level}|目标|计划|任务|指标", sentence)
        subject = m.start() == s or text[m.start() - 1] in "，。；：:\n"
        # Outside the unit's own goals and work, only a name standing as the subject of a clause is suspicious.
        if own_work is None and not subject and "目标" not in (ctx.doc.section_title_at(m.start()) or ""):
            continue
        yield ctx.finding(
            "names.other-place",
            "contradiction",
            "warning",
            m.start(),
            m.end(),
            f"这是“{unit.name}”的报告，此处却写“{m.group()}”；可能沿用了其他{unit.level}的模板",
            f"核对后改为本{unit.level}的名称或内容",
        )
