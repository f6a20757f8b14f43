"""Where billbook keeps its things, and which database it uses.

Order for the database URL: ``--db`` option, then ``BILLBOOK_DATABASE_URL``, then the
``database_url`` of the config file, else the embedded SQLite file in the user data dir.
The config file may hold a password, so it is written owner-only (0600) and URLs are
always shown with the password masked.
"""

from __future__ import annotations

import os
import platform
import socket
import tomllib
from pathlib import Path

import platformdirs

from billbook import files
from billbook.errors import FileRefused

APP = "billbook"


def data_dir() -> Path:
    """User data dir (or ``BILLBOOK_HOME``): the SQLite file, invoices, backups live here."""
    base = os.environ.get("BILLBOOK_HOME")
    path = Path(base) if base else Path(platformdirs.user_data_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_path() -> Path:
    base = os.environ.get("BILLBOOK_HOME")
    if base:
        return Path(base) / "config.toml"
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def read_config() -> dict:
    """The config file's values ({} when there is none); a file too large or unreadable is refused plainly."""
    path = config_path()
    if not path.exists():
        return {}
    data = files.read_bytes(path, limit=files.MAX_CONFIG_BYTES, what="config file")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FileRefused(f"The config file {path} is not valid TOML ({exc}); fix or remove it.") from None


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(values: dict) -> Path:
    """Merge ``values`` into the config file, created owner-only (it may hold a DB password)."""
    current = read_config()
    current.update({k: v for k, v in values.items() if v is not None})
    path = config_path()
    body = "".join(f"{k} = {_toml_value(v)}\n" for k, v in sorted(current.items()) if not isinstance(v, dict))
    # billbook's own file: replaced atomically, owner-only, never through a link; its folder may be created
    return files.write_file(path, body, force=True, private=True, create_within=path.parent)


def default_sqlite_url() -> str:
    return f"sqlite:///{data_dir() / 'billbook.sqlite3'}"


def database_url(explicit: str | None = None) -> str:
    return (explicit or os.environ.get("BILLBOOK_DATABASE_URL") or read_config().get("database_url")
            or default_sqlite_url())


def reporting_database_url() -> str | None:
    """Optional read replica for dashboards and reports."""
    return os.environ.get("BILLBOOK_REPORTING_DATABASE_URL") or read_config().get("reporting_database_url")


def terminal_name() -> str:
    """This terminal's name: ``BILLBOOK_TERMINAL``, the config file, else the host name."""
    return (os.environ.get("BILLBOOK_TERMINAL") or read_config().get("terminal")
            or socket.gethostname() or platform.node() or "terminal")[:64]


def host_name() -> str:
    return (socket.gethostname() or platform.node() or "unknown")[:128]
