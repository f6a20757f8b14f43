"""The shell for every role: change your own password from the sidebar; automatic backups on a
timer in the background (quiet when they work, a visible message when they fail)."""

from __future__ import annotations

import gc
import time

import pytest

from billbook.gui import shell as shell_module
from billbook.gui.app import LoginForm
from billbook.gui.widgets.password_dialog import ChangePasswordDialog
from billbook.services.people import users as user_service
from billbook.errors import AuthenticationError as AuthError
from tests import builders
from tests.gui.counter_support import close_app, gui_db, log_in, make_app, settle  # noqa: F401

NEW_PASSWORD = "mango season 77"


@pytest.fixture(autouse=True)
def _collect_tk_objects():
    """Free this test's dead Tk objects (the dialog's cycles) on the main thread, after the
    test's locals are gone: collected later in a worker thread they would hang it."""
    yield
    gc.collect()


def _fill(dialog: ChangePasswordDialog, old: str, new: str, repeat: str | None = None) -> None:
    dialog.form["old_password"].set(old)
    dialog.form["new_password"].set(new)
    dialog.form["repeat"].set(new if repeat is None else repeat)


def _pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.update()
        time.sleep(0.01)


def test_a_cashier_changes_their_password_and_logs_in_with_the_new_one(gui_db):
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        assert shell.password_btn.winfo_ismapped()
        shell.password_btn.invoke()
        dialog = shell.password_dialog
        assert isinstance(dialog, ChangePasswordDialog)
        _fill(dialog, builders.DEFAULT_PASSWORD, NEW_PASSWORD)
        dialog.save_btn.invoke()
        settle(app)
        assert dialog.done and shell.password_dialog is None
        assert shell.messages.text == "Your password was changed."
        app.logout()
        settle(app)
        assert isinstance(app.face, LoginForm)
        shell = log_in(app, "asha", NEW_PASSWORD)
        assert app.face is shell and app.ctx.actor.username == "asha"
    finally:
        close_app(app)
    try:
        user_service.login(gui_db, "asha", builders.DEFAULT_PASSWORD, "T9")
        raise AssertionError("the old password still works")
    except AuthError:
        pass


def test_a_wrong_current_password_is_shown_at_its_field_and_changes_nothing(gui_db):
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        dialog = shell.change_password()
        _fill(dialog, "not my password", NEW_PASSWORD)
        dialog.submit()
        settle(app)
        assert "current password is wrong" in dialog.form["old_password"].error_text
        assert shell.password_dialog is dialog and not dialog.done
        # two different new passwords are refused before anything is sent
        _fill(dialog, builders.DEFAULT_PASSWORD, NEW_PASSWORD, "mango season 78")
        dialog.submit()
        settle(app)
        assert "differ" in dialog.form["repeat"].error_text
        # a policy refusal (too short) is shown at the new password
        _fill(dialog, builders.DEFAULT_PASSWORD, "short")
        dialog.submit()
        settle(app)
        assert "at least 8" in dialog.form["new_password"].error_text
        dialog.close()
    finally:
        close_app(app)
    assert user_service.login(gui_db, "asha", builders.DEFAULT_PASSWORD, "T9").username == "asha"
    try:
        user_service.login(gui_db, "asha", NEW_PASSWORD, "T9")
        raise AssertionError("the refused password was stored")
    except AuthError:
        pass


def test_locking_closes_the_password_window(gui_db):
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        dialog = shell.change_password()
        assert shell.change_password() is dialog      # one window, brought back
        app.lock()
        _pump(app, 0.6)
        assert shell.password_dialog is None and not dialog.winfo_exists()
    finally:
        close_app(app)


def test_the_shell_runs_automatic_backups_on_a_timer(gui_db, monkeypatch, tmp_path):
    from billbook.services.data import backup
    calls = []

    def fake(db, actor=None, *, reason, force):
        calls.append((actor.username, reason, force))
        return tmp_path / "billbook-20261125-101500-schedule.zip"

    monkeypatch.setattr(backup, "auto_backup_if_due", fake)
    monkeypatch.setattr(shell_module, "BACKUP_FIRST_MS", 30)
    # not much faster than a loaded CI machine runs a background job, or the jobs overlap and
    # the app is never idle for log_in to settle
    monkeypatch.setattr(shell_module, "BACKUP_EVERY_MS", 300)
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        deadline = time.monotonic() + 10
        while len(calls) < 2 and time.monotonic() < deadline:
            _pump(app, 0.05)
        from tests.gui.backoffice_support import pump_until_idle
        pump_until_idle(app.ctx)
        assert len(calls) >= 2
        assert set(calls) == {("asha", "schedule", False)}
        assert shell.backup_label.cget("text").startswith("Backed up")
        assert shell.messages.kind != "error"
        app.logout()
        pump_until_idle(app.ctx)
        seen = len(calls)
        _pump(app, 0.4)
        assert len(calls) == seen                        # the timer stops with the shell
    finally:
        close_app(app)


def test_a_failed_automatic_backup_is_shown(gui_db, monkeypatch):
    from billbook.services.data import backup

    def broken(db, actor=None, *, reason, force):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "auto_backup_if_due", broken)
    monkeypatch.setattr(shell_module, "BACKUP_FIRST_MS", 30)
    builders.make_user(gui_db, "owner", "admin")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "owner")
        _pump(app, 0.3)
        settle(app)
        assert shell.messages.kind == "error"
        assert "automatic backup failed" in shell.messages.text and "No space left" in shell.messages.text
        assert shell.backup_label.cget("text") == "Backup failed"
    finally:
        close_app(app)


def test_a_real_scheduled_backup_from_the_shell_is_verified(gui_db, monkeypatch):
    from billbook.services.data import backup
    monkeypatch.setattr(shell_module, "BACKUP_FIRST_MS", 30)
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        _pump(app, 0.3)
        settle(app, 30)
        files = backup.list_backups(backup.backup_dir(gui_db))
        assert len(files) == 1 and files[0].reason == "schedule"
        assert backup.verify_backup(files[0].path).total_rows > 0
        assert shell.backup_label.cget("text").startswith("Backed up")
        shell.run_backup()                               # not due again yet: nothing new
        settle(app, 30)
        assert len(backup.list_backups(backup.backup_dir(gui_db))) == 1
    finally:
        close_app(app)
