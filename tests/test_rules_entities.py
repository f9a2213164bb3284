"""Entity slips: self-reference of another level or unit, another place's name, garbled org names, narrator, fund
name variants."""

from __future__ import annotations

import pytest
from rule_examples import assert_example_and_counter_example, findings, rules_of_family

from assistant.checks.registry import Rule


@pytest.mark.parametrize("r", rules_of_family("names."), ids=lambda r: r.id)
def test_rule_example_fires_and_counter_example_does_not(r: Rule) -> None:
    assert_example_and_counter_example(r)


@pytest.mark.parametrize(
    ("title", "wrong", "right"),
    [("青川县", "我市", "我县"), ("河口区", "我县", "我区"), ("临江市", "我区", "我市"), ("临江市", "我省", "本市")],
)
def test_two_self_references_of_different_levels_in_one_sentence(title: str, wrong: str, right: str) -> None:
    head = f"{title}教育局2023年度部门整体支出绩效自评报告\n"
    found = findings(head + f"为支持{wrong}教育发展，{right}安排资金120万元。", "names.self-reference-mix")
    assert [f.quote[:2] for f in found] == [wrong]
    assert findings(head + f"为支持{right}教育发展，{right}安排资金120万元。", "names.self-reference-mix") == []


def test_self_reference_names_the_other_level_when_the_unit_is_unknown() -> None:
    found = findings("为帮助我区困难学生入学，对在我市就读的学生给予资助。", "names.self-reference-mix")
    assert len(found) == 1 and "我区" in found[0].message and "我市" in found[0].message


@pytest.mark.parametrize(
    ("unit", "wrong", "fine"),
    [
        ("东川市地方志研究室", "本委", "本室"),
        ("南山县就业服务中心", "我局", "本中心"),
        ("西河县第二中学", "本院", "我校"),
    ],
)
def test_self_unit_word_must_fit_the_unit(unit: str, wrong: str, fine: str) -> None:
    assert findings(f"部门名称：{unit}\n{wrong}全年支出经费86万元。", "names.self-unit")
    assert findings(f"部门名称：{unit}\n{fine}全年支出经费86万元。", "names.self-unit") == []


def test_generic_self_reference_and_ordinary_words_are_fine() -> None:
    text = "部门名称：东川市地方志研究室\n本单位按本办法执行，本会计年度支出86万元，本所需资金已到位。"
    assert findings(text, "names.self-unit") == []


@pytest.mark.parametrize(
    "slip",
    ["主管部门：南平县中共中央南平县委", "实施单位：浙江文化和旅游厅", "主管部门：西河县农业农村局部门"],
)
def test_garbled_official_names(slip: str) -> None:
    assert findings(slip, "names.garbled-org")


@pytest.mark.parametrize(
    "fine",
    [
        "根据中共中央、国务院的部署，中共南平县委作出安排。",
        "实施单位：浙江省文化和旅游厅",
        "西河县农业农村局部门预算已公开。",
    ],
)
def test_correct_official_names(fine: str) -> None:
    assert findings(fine, "names.garbled-org") == []


def test_another_town_in_the_goals_of_a_town_report() -> None:
    head = "青石镇2023年度部门整体支出绩效自评报告\n"
    assert findings(head + "绩效目标：白沙镇完成饮水工程改造3处。", "names.other-place")
    assert findings(head + "绩效目标：全镇完成饮水工程改造3处，与白沙镇联合开展巡查。", "names.other-place") == []


def test_another_town_as_the_subject_of_the_towns_own_work() -> None:
    head = "青石镇2023年度部门整体支出绩效自评报告\n"
    assert findings(head + "2023年，白沙镇共投入资金50万元，硬化道路3公里。", "names.other-place")
    assert findings(head + "2023年，本镇派员到白沙镇考察，学习道路养护经验。", "names.other-place") == []


def test_narrator_and_fund_variants() -> None:
    head = "某县民政局2023年度项目支出绩效自评报告\n"
    assert findings(head + "本所接受委托，对项目开展绩效自评。", "names.third-party-narrator")
    text = (
        "“养老服务体系建设专项资金——居家养老”执行率97%；“养老服务体系发展专项资金——居家养老”自评报告附后；"
        "“养老服务体系建设专项资金——居家养老”已验收。“2023年养老服务补贴项目”与“2024年养老服务补贴项目”分别实施。"
    )
    found = findings(text, "names.variant")
    assert [f.quote for f in found] == ["养老服务体系发展专项资金——居家养老"]


def test_sentences_mixing_self_references_are_found_as_a_walk_of_every_sentence_finds_them() -> None:
    import random

    from assistant.checks.entities import _SELF_PLACE, _mixing_sentences
    from assistant.checks.registry import Context
    from assistant.text.document import document_from_text

    rng = random.Random(9)
    # self-references, words their lookahead refuses (区域, 市级, 县委), marks, blanks and breaks between them
    pieces = [
        "我区",
        "我市",
        "本县",
        "我镇",
        "本乡",
        "我",
        "本",
        "区",
        "市",
        "域",
        "级",
        "委",
        "。",
        "；",
        "！",
        "\n",
        " ",
    ]
    pieces += ["资金", "共计"]
    for _ in range(1500):
        ctx = Context(doc=document_from_text("".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))))
        text = ctx.text
        plain = [(s, e) for s, e in ctx.sentences if len({m.group(1) for m in _SELF_PLACE.finditer(text, s, e)}) > 1]
        assert _mixing_sentences(ctx) == plain, text
