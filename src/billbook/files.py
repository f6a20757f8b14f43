"""Writing and reading files safely: the ONE helper every file billbook writes or reads goes through.

Writing (:func:`write_file`, :func:`open_output`)
    - an existing file is replaced only when asked (``force=True``; ``--force`` on the
      command line; the GUI's save dialog has already asked);
    - a symbolic link, a folder, a device or a pipe is never written through or replaced;
    - missing folders are created only inside ``create_within`` (billbook's own data
      folder, passed by the caller); elsewhere a missing folder is refused;
    - atomic: a temporary file in the same folder, flushed and fsynced, then renamed
      (without ``force`` by a hard link that fails if the name was taken meanwhile);
    - ``private=True`` (backups, exports with customers' data, the config file) makes
      the file owner-only (0600), also when it replaces a wider one.
    Disk full, read-only disk, missing permission and a locked file are reported as what
    they are (:func:`describe_os_error`), never as a traceback.

Reading (:func:`read_bytes`, :func:`open_input`)
    Every read has a limit that fits its kind (``MAX_LOGO_BYTES``, ``MAX_CSV_BYTES``…);
    only regular files are read, so ``/dev/zero`` or a pipe is refused at once.

Usage::

    files.write_file(path, pdf_bytes, force=force)
    with files.open_output(path, force=force, private=True, text=True) as fh:
        csv.writer(fh).writerows(rows)
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from billbook.errors import FileRefused, StorageError

#: Limits for reading, by kind of file.
MAX_LOGO_BYTES = 4 * 1024 * 1024           # a shop logo: a few MB at most
MAX_CSV_BYTES = 200 * 1024 * 1024          # an import CSV: streamed, some hundred MB at most
MAX_CONFIG_BYTES = 64 * 1024               # config.toml
MAX_BACKUP_BYTES = 8 * 1024 * 1024 * 1024  # a backup archive (its entries are bounded as they unpack)

PRIVATE_MODE = 0o600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def describe_os_error(exc: OSError, path: str | Path, doing: str = "write") -> str:
    """Plain words for why a file could not be written or read: full disk, read-only, no permission…"""
    where = str(path)
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return f"The disk holding {where} is full (no space left); free some space and try again."
    if code == errno.EROFS:
        return f"Cannot {doing} {where}: the disk or folder is read-only."
    if code in (errno.EACCES, errno.EPERM):
        if sys.platform.startswith("win") and getattr(exc, "winerror", None) in (32, 33):
            return f"Cannot {doing} {where}: the file is locked by another program; close it there and try again."
        return f"Cannot {doing} {where}: permission denied (the file or its folder is not writable by you)." \
            if doing == "write" else f"Cannot {doing} {where}: permission denied."
    if code in (errno.EBUSY, errno.ETXTBSY) or getattr(exc, "winerror", None) in (32, 33):
        return f"Cannot {doing} {where}: the file is locked or in use by another program; close it there and try again."
    if code == errno.ENOENT:
        return f"Cannot {doing} {where}: no such file or folder."
    if code == errno.ENOTDIR:
        return f"Cannot {doing} {where}: a part of the path is a file, not a folder."
    if code == errno.EISDIR:
        return f"Cannot {doing} {where}: it is a folder."
    if code == errno.ENAMETOOLONG:
        return f"Cannot {doing} {where}: the name is too long."
    if code == errno.EIO:
        return f"Cannot {doing} {where}: the disk reported an input/output error."
    return f"Cannot {doing} {where}: {exc.strerror or exc}."


def _storage_error(exc: OSError, path: Path, doing: str = "write") -> StorageError:
    return StorageError(describe_os_error(exc, path, doing), errno_code=exc.errno)


def _within(path: Path, root: Path | None) -> bool:
    if root is None:
        return False
    try:
        path.resolve().relative_to(Path(root).resolve())
    except ValueError:
        return False
    return True


def check_target(path: str | Path, *, force: bool = False, create_within: str | Path | None = None,
                 folder: bool = True) -> Path:
    """The absolute path ``path`` may be written to, or :class:`FileRefused` saying why not.

    Nothing is written; the checks are made again at the moment of the rename. ``folder=False``
    checks only what is at ``path`` itself (an early look, before other refusals are due).
    """
    text = os.fspath(path) if path is not None else ""
    if not str(text).strip() or "\x00" in str(text):
        raise FileRefused("Give a file name to write to.")
    target = Path(text).expanduser()
    target = Path(os.path.abspath(target))
    _refuse_existing(target, force)
    if not folder:
        return target
    parent = target.parent
    if not parent.exists():
        if _within(parent, Path(create_within) if create_within else None):
            try:
                parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise _storage_error(exc, parent, "create") from None
        else:
            raise FileRefused(f"The folder {parent} does not exist; create it first (billbook creates "
                              "folders only inside its own data folder).")
    elif not parent.is_dir():
        raise FileRefused(f"Cannot write {target}: {parent} is not a folder.")
    return target


def ensure_folder(path: str | Path, *, create_within: str | Path | None = None) -> Path:
    """A folder to write files into (e.g. ``invoice export DIR``).

    An existing folder is used as it is; a missing one is created when its parent exists
    (the user named exactly this one) or when it lies inside ``create_within``; anything
    else in its place (a file, a device) is refused.
    """
    text = os.fspath(path) if path is not None else ""
    if not str(text).strip() or "\x00" in str(text):
        raise FileRefused("Give a folder to write to.")
    folder = Path(os.path.abspath(Path(text).expanduser()))
    if folder.is_dir():
        return folder
    if os.path.lexists(folder):
        raise FileRefused(f"{folder} is not a folder.")
    if not (folder.parent.is_dir() or _within(folder, Path(create_within) if create_within else None)):
        raise FileRefused(f"The folder {folder.parent} does not exist; create it first (billbook creates "
                          "folders only inside its own data folder).")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise _storage_error(exc, folder, "create") from None
    return folder


def _refuse_existing(target: Path, force: bool) -> None:
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _storage_error(exc, target) from None
    if stat.S_ISLNK(st.st_mode):
        raise FileRefused(f"{target} is a symbolic link; billbook never writes through or replaces a link. "
                          "Choose another file name.")
    if stat.S_ISDIR(st.st_mode):
        raise FileRefused(f"{target} is a folder; give a file name.")
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(f"{target} is not a regular file (a device, pipe or socket); billbook will not write to it.")
    if not force:
        raise FileRefused(f"{target} already exists; use --force to replace it (or choose another name).")


def fsync_dir(folder: Path) -> None:
    if sys.platform.startswith("win"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _publish(tmp: Path, target: Path, force: bool) -> None:
    """Move the finished temporary file to ``target``: no-replace by a hard link, or replace if forced."""
    if not force:
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise FileRefused(f"{target} already exists; use --force to replace it (or choose another name).") \
                from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK) \
                    and not sys.platform.startswith("win"):
                raise
            # no hard links on this file system (FAT, some network shares): check, then rename
            _refuse_existing(target, False)
            os.replace(tmp, target)
            return
        tmp.unlink()
        return
    _refuse_existing(target, True)      # a link or device put there meanwhile is still refused
    os.replace(tmp, target)


@contextmanager
def open_output(path: str | Path, *, force: bool = False, private: bool = False, text: bool = False,
                encoding: str = "utf-8", newline: str | None = None,
                create_within: str | Path | None = None) -> Iterator[IO]:
    """A file object to write ``path`` through; the file appears under its name only when complete.

    If the block raises, nothing is left behind and an existing file is untouched.
    """
    target = check_target(path, force=force, create_within=create_within)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name[:80]}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise _storage_error(exc, target) from None
    tmp = Path(tmp_name)
    try:
        if hasattr(os, "fchmod"):       # mkstemp made it 0600; a shareable file gets the usual mode
            os.fchmod(fd, PRIVATE_MODE if private else 0o666 & ~_umask())
        with os.fdopen(fd, "w" if text else "wb", **({"encoding": encoding, "newline": newline} if text else {})) \
                as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _publish(tmp, target, force)
        fsync_dir(target.parent)
    except OSError as exc:
        raise _storage_error(exc, target) from None
    finally:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass


def write_file(path: str | Path, data: bytes | str, *, force: bool = False, private: bool = False,
               encoding: str = "utf-8", create_within: str | Path | None = None) -> Path:
    """Write ``data`` to ``path`` safely (see the module text); returns the absolute path written."""
    text = isinstance(data, str)
    with open_output(path, force=force, private=private, text=text, encoding=encoding, newline="" if text else None,
                     create_within=create_within) as fh:
        fh.write(data)
    return Path(os.path.abspath(Path(os.fspath(path)).expanduser()))


# ------------------------------------------------------------------ reading

def _open_regular(path: Path, what: str, limit: int) -> tuple[IO[bytes], int]:
    try:
        # O_NONBLOCK: opening a FIFO nobody writes to would otherwise wait forever (no effect on files)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            fh = os.fdopen(fd, "rb")  # noqa: SIM115 - handed to the caller
        except BaseException:
            os.close(fd)
            raise
    except FileNotFoundError:
        raise FileRefused(f"No {what} at {path}.") from None
    except IsADirectoryError:
        raise FileRefused(f"{path} is a folder, not a {what}.") from None
    except OSError as exc:
        raise _storage_error(exc, path, "read") from None
    try:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(f"{path} is not a regular file (a device, pipe or socket); give a {what}.")
        if st.st_size > limit:
            raise FileRefused(f"{path} is too large for a {what} ({st.st_size:,} bytes; at most {limit:,}).")
    except BaseException:
        fh.close()
        raise
    return fh, st.st_size


def read_bytes(path: str | Path, *, limit: int, what: str = "file") -> bytes:
    """The whole of a regular file no larger than ``limit`` bytes; :class:`FileRefused` otherwise."""
    path = Path(os.fspath(path)).expanduser()
    fh, _ = _open_regular(path, what, limit)
    with fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise _storage_error(exc, path, "read") from None
    if len(data) > limit:       # it grew while being read
        raise FileRefused(f"{path} is too large for a {what} (more than {limit:,} bytes).")
    return data


@contextmanager
def open_input(path: str | Path, *, limit: int, what: str = "file") -> Iterator[IO[bytes]]:
    """A regular file no larger than ``limit`` bytes, opened for streaming (binary)."""
    path = Path(os.fspath(path)).expanduser()
    fh, _ = _open_regular(path, what, limit)
    with fh:
        yield fh
