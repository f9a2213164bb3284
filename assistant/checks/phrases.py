"""Set phrases of the report type written with a character missing, two characters swapped, or one misread.

Self-evaluation reports are built from a small vocabulary of fixed phrases (基本情况, 绩效目标, 预算执行率,
存在的问题, 改进措施 …). A phrase with one inner character dropped ("现将评价况报告如下"), two neighbours swapped
("绩效标目") or a look-alike/sound-alike substituted ("基本概括") is almost never another word. The variants are
generated from the phrase list, so the rule knows the phrases, not any one report's typo; variants that are real
words themselves (or sit inside one) are left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import lru_cache

from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.checks.spans import finditer_from

PHRASES = (
    "基本情况", "基本概况", "部门概况", "项目概况", "评价情况", "自评情况", "完成情况", "执行情况", "使用情况",
    "管理情况", "收支情况", "绩效目标", "绩效指标", "绩效自评", "自评报告", "评价报告", "整体支出", "项目支出",
    "预算执行率", "资金到位率", "存在的问题", "改进措施", "整改措施", "评价结论", "综合评价", "主要职能",
    "主要职责", "机构设置", "人员情况", "结转结余", "三公经费", "政府采购", "资产管理", "专项资金", "财政资金",
    "预算绩效管理", "绩效评价", "绩效监控", "报告如下", "满意度指标", "产出指标", "效益指标", "数量指标",
    "质量指标", "时效指标", "成本指标", "社会效益", "经济效益", "生态效益", "可持续影响", "服务对象",
    "年初预算", "调整预算", "全年预算", "预算调整", "偏差原因", "原因分析", "组织实施", "资金管理",
)  # fmt: skip
# Look-alike and sound-alike characters reports actually confuse (one direction: right -> written).
CONFUSABLE = {
    "况": "括",
    "概": "慨",
    "绩": "积迹",
    "措": "错",
    "施": "失",
    "评": "平",
    "价": "介",
    "预": "予",
    "标": "表",
    "效": "校",
    "结": "节",
    "余": "于",
    "置": "制",
    "职": "值",
}
# Real words that contain a generated variant: the variant inside them is not a slip.
LEGIT = (
    "绩效标准", "修改措施", "推进措施", "结余额", "预算执行数", "项目支出数", "收支平衡", "平价", "况且",
    "情况下", "管理情况下", "自评价", "标准", "概括", "节余", "余额", "执行数", "支出数", "有关情况",
    "实施情况", "年初预计", "效率", "管理制度", "设置了", "表彰", "评价报告书",
)  # fmt: skip


@lru_cache(maxsize=1)
def variants() -> dict[str, str]:
    """Every one-slip variant of every set phrase, mapped to the phrase it stands for."""
    phrases = set(PHRASES)
    out: dict[str, str] = {}
    for p in PHRASES:
        cands: set[str] = set()
        if len(p) >= 5:  # an inner character dropped (not a particle: 存在问题 is as right as 存在的问题)
            cands |= {p[:i] + p[i + 1 :] for i in range(1, len(p) - 1) if p[i] not in "的之和与及"}
        cands |= {p[:i] + p[i + 1] + p[i] + p[i + 2 :] for i in range(len(p) - 1) if p[i] != p[i + 1]}
        for i, ch in enumerate(p):
            cands |= {p[:i] + alt + p[i + 1 :] for alt in CONFUSABLE.get(ch, "")}
        for v in cands:
            if len(v) < 3 or v in phrases or any(v in q for q in phrases) or any(v in w for w in LEGIT):
                continue
            out.setdefault(v, p)
    return out


# 况 stands alone only in a few words (状况, 近况, 路况 …); after any other character a 情 or 概 was dropped.
_ORPHAN_KUANG = re.compile(r"(?<=[\u4e00-\u9fff])(?<![情概状近何现实境景盛路车工病战窘])况(?!且)")


@lru_cache(maxsize=1)
def _scanner() -> re.Pattern[str]:
    from assistant.checks.wording import trie_pattern

    return re.compile(trie_pattern(list(variants())))


@lru_cache(maxsize=1)
def _gate() -> re.Pattern[str]:
    """A one-character match exactly where some variant starts (where ``_scanner().match`` succeeds).

    The trie's top level is one branch per first character, tried one after another at every place that starts
    with any of them (most places in a report: 绩, 效, 评 …). Here a place is passed over unless the next two
    characters can stand second and third in a variant; then the first characters, in bundles of about the square
    root of their number behind one character set each, pick the branch whose lookahead (the trie of the variants
    that start with that character) decides, all in C.
    """
    from assistant.checks.wording import trie_pattern

    by_first: dict[str, list[str]] = {}
    for v in sorted(variants()):  # sorted: the pattern is the same text under any hash seed
        by_first.setdefault(v[0], []).append(v)
    heads = sorted(by_first)
    # every variant has three characters or more (shorter ones are left out)
    seconds = "".join(sorted({v[1] for v in variants()}))
    thirds = "".join(sorted({v[2] for v in variants()}))
    branches = [re.escape(h) + "(?<=(?=" + trie_pattern(by_first[h]) + ")[\\s\\S])" for h in heads]
    size = max(1, math.isqrt(len(branches)))
    bundles = [
        "[" + "".join(map(re.escape, heads[i : i + size])) + "](?<=(?:" + "|".join(branches[i : i + size]) + "))"
        for i in range(0, len(branches), size)
    ]
    return re.compile(
        f"[{''.join(map(re.escape, heads))}](?=[{re.escape(seconds)}][{re.escape(thirds)}])(?<=(?:{'|'.join(bundles)}))"
    )


def slips(text: str) -> list[re.Match[str]]:
    """``list(_scanner().finditer(text))``: each variant in the text, the longest at a place, none overlapping,
    tried only where ``_gate`` says one starts."""
    scanner = _scanner()
    out: list[re.Match[str]] = []
    end = 0  # finditer resumes at the end of its last match
    for g in _gate().finditer(text):
        at = g.start()
        if at < end:
            continue
        m = scanner.match(text, at)
        if m is not None:  # always, by the gate's construction; kept as the plain test
            out.append(m)
            end = m.end()
    return out


@lru_cache(maxsize=1)
def _legit() -> re.Pattern[str]:
    from assistant.checks.wording import trie_pattern

    return re.compile(trie_pattern([*PHRASES, *LEGIT]))


@rule(
    "phrase.set-phrase",
    "报告常用固定用语少字、颠倒或错字（评价况、基本概括……）",
    category="typo",
    severity="warning",
    example="现将评价况报告如下：",
    counter_example="现将评价情况报告如下：",
)
def set_phrase_slip(ctx: Context) -> Iterator[Finding]:
    """A fixed phrase of the report type with one character dropped, swapped or misread."""
    text = ctx.text
    table = variants()
    legit = _legit()
    for m in finditer_from(_ORPHAN_KUANG, text, "况"):  # the lookbehinds are tried only at each 况
        yield ctx.finding(
            "phrase.set-phrase", "typo", "warning", max(0, m.start() - 2), m.end(),
            f"“{text[max(0, m.start() - 2) : m.end()]}”中“况”前少了字，疑为“……情况”或“……概况”", "补上“情”或“概”",
        )  # fmt: skip
    for m in slips(text):
        # Inside a correct phrase or a real word ("绩效标准"), the variant is not a slip.
        lo = max(0, m.start() - 4)
        if any(w.start() <= m.start() and w.end() >= m.end() for w in legit.finditer(text, lo, m.end() + 4)):
            continue
        right = table[m.group()]
        yield ctx.finding(
            "phrase.set-phrase",
            "typo",
            "warning",
            m.start(),
            m.end(),
            f"“{m.group()}”疑为固定用语“{right}”少写、颠倒或写错了字",
            right,
        )
