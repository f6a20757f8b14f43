"""Backups a shop owner can trust, and restores that never leave half a database.

One portable zip written by billbook itself (no ``mysqldump`` needed), the same for SQLite
and MySQL, so a backup taken on one database restores into the other. The package:

- :mod:`.format` — the file: value encoding, the manifest, reading and checking a zip;
- :mod:`.tables` — reading a database's tables in batches, as of one instant;
- :mod:`.sqlite` — SQLite's online copy and its switch by an atomic file rename;
- :mod:`.mysql` — MySQL's aside database and its switch by one ``RENAME TABLE``;
- :mod:`.usecases` — back up, restore (check, build aside, verify, switch), back up when due;
- :mod:`.schedule` — the backups folder, names, pruning, the schedule's settings.

A consistent copy while terminals keep selling
    SQLite: the sqlite3 online-backup API copies the live file in one step (WAL mode:
    writers carry on), then the copy is exported. MySQL/MariaDB: one
    ``START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`` at REPEATABLE READ, so every
    table is read as of the same instant while other terminals keep writing.

Automatic backups
    :func:`auto_backup_if_due` (called by the app on start/idle and by the day-end close)
    writes ``billbook-YYYYMMDD-HHMMSS-<reason>.zip`` into the backups folder when the
    last one is older than ``backup.every_hours`` (24) and keeps the last
    ``backup.keep`` (14) automatic ones (:func:`prune`).
"""

from billbook.services.data.backup.format import (
    FORMAT, FORMAT_VERSION, BackupInfo, DamagedBackup, Progress, RestoreFailed, RestoreInfo, TableStats,
    column_kind, decode_value, encode_value, read_manifest, verify_backup,
)
from billbook.services.data.backup.mysql import quote_ident
from billbook.services.data.backup.schedule import (
    AUTO_NAME_RE, DEFAULT_EVERY_HOURS, DEFAULT_KEEP, BackupFile, BackupSettings, backup_dir, get_backup_settings,
    list_backups, prune, set_backup_settings,
)
from billbook.services.data.backup.tables import data_tables, iter_batches, snapshot_connection, table_stats
from billbook.services.data.backup.usecases import (
    auto_backup_if_due, backup, backup_now, cleanup_leftovers, create_backup, restore, restore_new_shop,
)

__all__ = [
    "AUTO_NAME_RE", "DEFAULT_EVERY_HOURS", "DEFAULT_KEEP", "FORMAT", "FORMAT_VERSION", "BackupFile", "BackupInfo",
    "BackupSettings", "DamagedBackup", "Progress", "RestoreFailed", "RestoreInfo", "TableStats",
    "auto_backup_if_due", "backup", "backup_dir", "backup_now", "cleanup_leftovers", "column_kind",
    "create_backup", "data_tables", "decode_value", "encode_value", "get_backup_settings", "iter_batches",
    "list_backups", "prune", "quote_ident", "read_manifest", "restore", "restore_new_shop", "set_backup_settings",
    "snapshot_connection", "table_stats", "verify_backup",
]
