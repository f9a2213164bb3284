"""Blank data templates a department fills in: the workbook and the commented YAML file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from assistant.budget.workbook import write_workbook_template
from assistant.errors import InputError

WORKBOOK_NAME = "数据模板.xlsx"
YAML_NAME = "数据模板.yaml"


def yaml_template() -> str:
    """The commented YAML data template shipped with the package."""
    return resources.files("assistant").joinpath("templates/data-template.yaml").read_text(encoding="utf-8")


def write_templates(directory: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write 数据模板.xlsx and 数据模板.yaml into ``directory``; refuse to replace existing files unless told to."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: 这是一个文件，不是文件夹；请指定一个文件夹来存放模板")
    targets = [folder / WORKBOOK_NAME, folder / YAML_NAME]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not overwrite:
        raise InputError(f"{'、'.join(existing)} 已存在，未覆盖；请换一个文件夹，或确认后选择覆盖")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        targets[1].write_text(yaml_template(), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{folder}: 无法写入模板（{exc.strerror}）；请检查文件夹权限") from None
    write_workbook_template(targets[0])
    return targets
