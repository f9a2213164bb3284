"""Zip packages (.docx, .xlsx) checked before anything decompresses them: a small file must not expand into gigabytes.

The sizes come from the zip's central directory, so the check reads a few kilobytes whatever the file holds. A
declared size can lie, so readers that stream an entry should also stop at ``MAX_ENTRY_BYTES`` (see
:func:`read_entry`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from assistant.errors import InputError

MAX_ENTRIES = 5_000
"""Parts in one package: a long report with many images has a few hundred."""
MAX_ENTRY_BYTES = 200 * 1024 * 1024
"""Uncompressed size of one part: the text of the longest report or workbook sheet is a few megabytes."""
MAX_TOTAL_BYTES = 500 * 1024 * 1024
"""Uncompressed size of the whole package, pictures included."""
MAX_RATIO = 200
"""Uncompressed / compressed for one sizeable part; XML compresses 10–30×, a zip bomb thousands of times."""
_RATIO_FLOOR = 10 * 1024 * 1024  # small parts may compress as well as they like


def check_zip(
    path: str | Path,
    *,
    kind: str = "文件",
    max_entries: int = MAX_ENTRIES,
    max_entry_bytes: int = MAX_ENTRY_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Raise InputError if the package at ``path`` would expand beyond the limits; a file that is not a zip passes.

    ``kind`` names the file for the message (工作簿, Word 文档 …).
    """
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip (or unreadable): the reader says so in its own words
    if len(infos) > max_entries:
        raise InputError(f"{p}: {kind}包含 {len(infos)} 个部件，超出上限 {max_entries}；文件可能已损坏或被构造")
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > max_entry_bytes:
            raise InputError(
                f"{p}: {kind}中的部件 {info.filename[:80]} 解压后有 {_mb(size)}，超出上限 {_mb(max_entry_bytes)}；"
                "文件可能已损坏或是压缩炸弹，未读取"
            )
        if size > _RATIO_FLOOR and size > max_ratio * max(1, info.compress_size):
            raise InputError(
                f"{p}: {kind}中的部件 {info.filename[:80]} 压缩比异常（{_mb(info.compress_size)} 解压为 {_mb(size)}）；"
                "文件可能是压缩炸弹，未读取"
            )
    if total > max_total_bytes:
        raise InputError(f"{p}: {kind}解压后共 {_mb(total)}，超出上限 {_mb(max_total_bytes)}；未读取")


def read_entry(archive: zipfile.ZipFile, name: str, limit: int = MAX_ENTRY_BYTES) -> bytes:
    """One part's bytes, refusing to decompress more than ``limit`` whatever the directory declared."""
    with archive.open(name) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{archive.filename}: 部件 {name[:80]} 解压后超过 {_mb(limit)}；文件可能是压缩炸弹，未读取")
    return data


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
