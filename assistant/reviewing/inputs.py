"""The batch's inputs: every report under folders, among several files or inside a .zip (extracted with its size
checked first, names decoded as Chinese Windows archivers write them, never a path outside the target).

    collect([Path("reports/"), Path("more.zip")], workdir)   # [(path on disk, name as the user knows it), …]
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path

from assistant.errors import InputError

REPORT_SUFFIXES = (".docx", ".pdf", ".txt", ".md")
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
MAX_ZIP_ENTRY = 100 * 1024 * 1024
MAX_ZIP_TOTAL = 1024 * 1024 * 1024


def collect(
    inputs: Iterable[Path], workdir: Path, suffixes: tuple[str, ...] = REPORT_SUFFIXES
) -> list[tuple[Path, str]]:
    """Every file with one of ``suffixes`` under the inputs (folders walked, .zip extracted into ``workdir``).

    Returns (path on disk, display name) pairs in a stable order. A missing input is an InputError.
    """
    found: list[tuple[Path, str]] = []
    for item in inputs:
        if not item.exists():
            raise InputError(f"{item}：找不到这个文件或文件夹，请检查路径")
        if item.is_dir():
            for p in sorted(item.rglob("*")):
                if p.is_file() and p.suffix.lower() in suffixes and not _hidden(p.relative_to(item)):
                    found.append((p, str(p.relative_to(item))))
        elif item.suffix.lower() == ".zip":
            target = workdir / f"zip-{len(found)}-{item.stem}"
            found.extend((p, f"{item.name}/{name}") for p, name in extract_zip(item, target, suffixes))
        else:
            found.append((item, item.name))
    return found


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "~$", "__MACOSX")) for part in relative.parts)


def extract_zip(path: Path, target: Path, suffixes: tuple[str, ...]) -> list[tuple[Path, str]]:
    """The report files of a .zip, extracted under ``target``; sizes are checked before anything is read."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}：不是有效的 zip 压缩包（{exc}），请重新打包后再试") from None
    out: list[tuple[Path, str]] = []
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and Path(m.filename).suffix.lower() in suffixes]
        total = sum(m.file_size for m in members)
        if total > MAX_ZIP_TOTAL or any(m.file_size > MAX_ZIP_ENTRY for m in members):
            raise InputError(f"{path}：压缩包解压后过大（{total // 1024 // 1024} MB），请分批上传")
        for i, m in enumerate(members):
            name = _zip_name(m)
            if _hidden(Path(name)):
                continue
            dest = target / f"{i:05d}" / Path(name).name
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(m) as src, dest.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            out.append((dest, name))
    return out


def _zip_name(member: zipfile.ZipInfo) -> str:
    """The member's name, decoded as the Chinese Windows tools that made it wrote it, never a path outside."""
    name = member.filename
    if not member.flag_bits & 0x800:  # no UTF-8 flag: Windows archivers write GBK
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return "/".join(p for p in name.replace("\\", "/").split("/") if p not in ("", ".", ".."))
