"""What every self-evaluation report looks like, shared by the tests: the example data and the seven printed parts."""

from __future__ import annotations

from pathlib import Path

EXAMPLE_DATA = sorted(
    p for p in (Path(__file__).resolve().parents[1] / "examples").iterdir() if p.suffix in (".yaml", ".yml", ".json")
)
PARTS = [
    "一、部门基本情况",
    "二、绩效自评工作情况",
    "三、评价情况分析及综合评价结论",
    "四、存在的问题和整改情况",
    "五、绩效自评结果应用",
    "六、主要经验及做法",
    "七、其他需说明的情况",
]
