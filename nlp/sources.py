"""The labelled dev files in ../shared/data/nlp and how their labels map onto ours (the mapping
of that folder's README, decided before any results). Read by `nlp.evaluate` (scoring) and
`nlp.learn` (fitting keyword weights); nothing here is copied into the project.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nlp"
SOURCES = ("liuyan", "teddy", "jiamusi", "haikou")

KIND_TO_LIUYAN = {"complaint": "投诉/求助", "help": "投诉/求助", "consultation": "咨询",
                  "suggestion": "建言", "praise": "感谢", "other": "(other)"}
LIUYAN_DOMAIN = {"城建": "城乡建设", "交通": "交通运输", "环保": "环境保护", "教育": "教育文体",
                 "文娱": "教育文体", "就业": "劳动和社会保障", "医疗": "卫生计生",
                 "旅游": "商贸旅游", "治安": "公共安全", "三农": "农业农村"}
JIAMUSI_DOMAIN = {
    "人力资源和社会保障局": "劳动和社会保障",
    **dict.fromkeys(["住房保障局", "城市管理行政执法局", "城乡建设局", "供热办", "城乡规划局",
                     "房屋交易与产权管理中心", "龙江环保供水有限公司", "燃气公司",
                     "住房公积金管理中心", "水务局", "国网佳木斯供电公司"], "城乡建设"),
    **dict.fromkeys(["交警支队", "公交办", "交通运输局"], "交通运输"),
    **dict.fromkeys(["教育局", "文化广电新闻出版局", "体育局"], "教育文体"),
    **dict.fromkeys(["公安局", "消防支队"], "公共安全"),
    **dict.fromkeys(["民政局", "残疾人联合会"], "民政服务"),
    "环境保护局": "环境保护",
    **dict.fromkeys(["物价监督管理局", "工商局", "旅游发展委员会"], "商贸旅游"),
    "卫生和计划生育委员会": "卫生计生",
    "农业委员会（扶贫办）": "农业农村",
}
# The kinds a label allows (learning); "report" is complaint or help (one class on every board).
REPORT_KINDS = frozenset(("report", "suggestion", "praise"))
HAIKOU_KINDS = {"咨询": frozenset(("consultation",)), "反映": REPORT_KINDS, "投诉": REPORT_KINDS,
                "要求": REPORT_KINDS, "建议": frozenset(("suggestion",)),
                "表扬": frozenset(("praise",)), "感谢": frozenset(("praise",))}
LIUYAN_KINDS = {"投诉/求助": frozenset(("report",)), "咨询": frozenset(("consultation",)),
                "建言": frozenset(("suggestion",)), "感谢": frozenset(("praise",))}


@dataclass(frozen=True)
class Example:
    """One labelled message as classify sees it, with what its labels say."""
    source: str
    row: int                  # position in its file (even/odd halves)
    text: str                 # the text that is scored (jiamusi: the body)
    domain: str | None        # gold first-level domain (scored), or None
    department: str | None    # gold department (haikou, scored), or None
    kind_gold: str | None     # gold kind label as the source writes it (scored)
    kinds: frozenset | None   # the learning kinds the label allows


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def body(text: str) -> str:
    """The text after the first newline (jiamusi titles name their own type)."""
    return text.split("\n", 1)[1] if "\n" in text else text


def _example(source: str, index: int, row: dict) -> Example:
    if source == "liuyan":
        return Example(source, index, row["text"], LIUYAN_DOMAIN.get(row.get("domain")), None,
                       row.get("type"), LIUYAN_KINDS.get(row.get("type")))
    if source == "teddy":
        return Example(source, index, row["text"], row.get("domain"), None, None, None)
    if source == "jiamusi":
        consult = row.get("type") == "咨询问题"
        return Example(source, index, body(row["text"]), JIAMUSI_DOMAIN.get(row.get("domain")),
                       None, "咨询问题" if consult else "反映问题",
                       frozenset(("consultation",)) if consult else REPORT_KINDS)
    verb = row.get("verb")
    return Example(source, index, row["text"], None, row.get("department"),
                   None if verb is None else ("咨询" if verb == "咨询" else "报告"),
                   HAIKOU_KINDS.get(verb))


def examples(data: Path = DEFAULT_DATA, sources=SOURCES) -> list[Example]:
    """Every row of the dev files that exist in data, in file order."""
    out = []
    for source in sources:
        path = Path(data) / f"{source}_dev.jsonl"
        if path.exists():
            out.extend(_example(source, i, row) for i, row in enumerate(read(path)))
    return out
