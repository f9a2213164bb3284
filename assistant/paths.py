"""Output-path safety: a file the assistant writes is never one of the files it read, and is checked before any work.

"The same file" means the same inode (``os.path.samefile``), so a hard link, a symbolic link or a different spelling
of the input's path is refused as firmly as the path itself: opening any of them for writing would truncate the input.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from assistant.errors import InputError


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` both exist and are the same file (any link, any spelling)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(
    output: str | Path,
    inputs: Iterable[str | Path | None],
    *,
    suffixes: Iterable[str] | None = None,
    what: str = "输出文件",
    folder_must_exist: bool = False,
) -> Path:
    """Refuse an output path that is an input, a folder, of an unknown type or not writable; return it.

    ``folder_must_exist``: the writer does not create missing folders, so a missing one is refused now, before
    any work, instead of after it.
    """
    out = Path(output)
    if suffixes is not None:
        allowed = tuple(s.lower() for s in suffixes)
        if out.suffix.lower() not in allowed:
            given = f"“{out.suffix}”" if out.suffix else "（没有扩展名）"
            raise InputError(f"{out}: 无法按扩展名{given}写出{what}；请使用以下扩展名之一：{'、'.join(allowed)}")
    for source in inputs:
        if source is not None and same_file(out, source):
            link = "" if Path(source).absolute() == out.absolute() else "（二者是同一个文件或其链接）"
            raise InputError(f"{out}: {what}与输入文件 {source} 相同{link}；为免覆盖输入，请另取一个文件名")
    if out.is_dir():
        raise InputError(f"{out}: 这是一个文件夹；请给出{what}的文件名")
    if out.exists() and not os.access(out, os.W_OK):
        raise InputError(f"{out}: 文件不可写（只读或无权限）；请换一个位置或文件名")
    if folder_must_exist and not out.absolute().parent.is_dir():
        raise InputError(f"{out}: 文件夹 {out.absolute().parent} 不存在；请先创建它，或换一个位置")
    parent = _existing_parent(out)
    if parent is not None and not parent.is_dir():
        raise InputError(f"{out}: 路径中的 {parent} 不是文件夹；请检查输出路径")
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{out}: 无权在文件夹 {parent} 中写入；请换一个位置")
    return out


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in the user's terms."""
    if isinstance(exc, PermissionError):
        return "没有访问权限"
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹"
    return exc.strerror or type(exc).__name__


def _existing_parent(path: Path) -> Path | None:
    """The nearest existing ancestor folder (writers create the missing ones below it)."""
    for parent in path.absolute().parents:
        if parent.exists():
            return parent
    return None
