"""The schedule of automatic backups: where they go, how they are named, how many are kept."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from billbook import clock, config
from billbook.db.uow import Database
from billbook.domain.permissions import Permission
from billbook.errors import ValidationError
from billbook.services import settings
from billbook.services.base import Actor, audit, requires

AUTO_NAME_RE = re.compile(r"^billbook-(\d{8}-\d{6})-([a-z0-9-]+)\.zip$")
DEFAULT_EVERY_HOURS = 24
DEFAULT_KEEP = 14


# ------------------------------------------------------------------ automatic backups

def backup_dir(db: Database | None = None) -> Path:
    """Where automatic backups go: setting ``backup.dir``, else ``<data dir>/backups``."""
    configured = None
    if db is not None:
        try:
            configured = db.run(lambda s: settings.get(s, "backup.dir"), readonly=True)
        except SQLAlchemyError:
            configured = None
    path = Path(configured).expanduser() if configured else config.data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def auto_path(directory: Path, reason: str) -> Path:
    reason = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "auto"
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    path = directory / f"billbook-{stamp}-{reason}.zip"
    n = 2
    while path.exists():
        path = directory / f"billbook-{stamp}-{reason}-{n}.zip"
        n += 1
    return path


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: dt.datetime
    reason: str
    size: int

    def to_json(self) -> dict:
        return {"path": str(self.path), "taken_at": self.taken_at.isoformat(), "reason": self.reason,
                "size": self.size}


def list_backups(directory: str | Path) -> list[BackupFile]:
    """Automatic backups in ``directory``, newest first (only files named by billbook)."""
    out = []
    for p in Path(directory).glob("billbook-*.zip"):
        m = AUTO_NAME_RE.match(p.name)
        if not m:
            continue
        try:
            taken = dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
            size = p.stat().st_size
        except (ValueError, OSError):
            continue
        out.append(BackupFile(p, taken, m.group(2), size))
    return sorted(out, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def prune(directory: str | Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups in ``directory``; returns what was deleted."""
    if keep < 1:
        raise ValidationError("keep", "keep at least one backup")
    removed = []
    for old in list_backups(directory)[keep:]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


@dataclass(frozen=True)
class BackupSettings:
    every_hours: int
    keep: int
    directory: str
    enabled: bool

    def to_json(self) -> dict:
        return {"every_hours": self.every_hours, "keep": self.keep, "directory": self.directory,
                "enabled": self.enabled}


def _read_settings(s: Session) -> BackupSettings:
    return BackupSettings(max(1, settings.get_int(s, "backup.every_hours", DEFAULT_EVERY_HOURS)),
                          max(1, settings.get_int(s, "backup.keep", DEFAULT_KEEP)),
                          settings.get(s, "backup.dir", "") or "",
                          (settings.get(s, "backup.auto", "1") or "1") != "0")


def get_backup_settings(db: Database) -> BackupSettings:
    return db.run(_read_settings, readonly=True)


@requires(Permission.BACKUP)
def set_backup_settings(db: Database, actor: Actor, *, every_hours: int | None = None, keep: int | None = None,
                        directory: str | None = None, enabled: bool | None = None) -> BackupSettings:
    """Change the automatic-backup schedule (hours between backups, how many to keep, folder)."""
    if every_hours is not None and (not isinstance(every_hours, int) or not 1 <= every_hours <= 24 * 31):
        raise ValidationError("every_hours", "between 1 and 744 hours")
    if keep is not None and (not isinstance(keep, int) or not 1 <= keep <= 1000):
        raise ValidationError("keep", "between 1 and 1000 backups")
    if directory is not None:
        directory = str(directory).strip()
        if directory and ("\x00" in directory or len(directory) > 1000):
            raise ValidationError("directory", "not a usable folder name")

    def work(s: Session) -> BackupSettings:
        changes = {}
        for key, value in (("every_hours", every_hours), ("keep", keep), ("dir", directory),
                           ("auto", None if enabled is None else ("1" if enabled else "0"))):
            if value is not None:
                settings.put(s, f"backup.{key}", str(value))
                changes[key] = value
        audit(s, actor, "settings.backup", "settings", "backup", **changes)
        return _read_settings(s)

    return db.run(work)

