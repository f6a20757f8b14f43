"""What every screen receives: the database, the logged-in user, the shop, and helpers.

Nothing slow runs on the Tk thread. A screen calls::

    ctx.run_in_background(lambda: sales.checkout(ctx.db, ctx.actor, request),
                          on_done=self._saved, on_error=self._refused, busy="Saving the sale…")

``fn`` runs in a worker thread; ``on_done(result)`` / ``on_error(exc)`` run later on the Tk
thread (results are collected by ``after()`` polling). Without ``on_error`` the error is shown
in plain words in the shell's message bar. While jobs with a ``busy`` text run, the shell
shows a progress indicator.

Sessions: everything a login creates belongs to that login. ``begin_session()`` opens a scope
and ``end_session()`` (log-out, window close) closes it: the listeners registered during the
session (message bar, busy and health indicators, sales subscribers), its ``schedule()``
timers and its background jobs' callbacks are dropped, so nothing from an old login can
touch a destroyed widget. A job whose callback belongs to a destroyed widget is dropped
quietly; an exception in one callback is logged and never stops the poll or other jobs.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
import tkinter as tk
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from billbook.domain.permissions import Permission
from billbook.errors import BillbookError, DatabaseUnavailable

if TYPE_CHECKING:  # kept out of the start-up path: the window shows before SQLAlchemy loads
    from billbook.db.uow import Database
    from billbook.services.base import Actor
    from billbook.services.people.shop import ShopInfo

log = logging.getLogger("billbook.gui")

POLL_MS = 25
#: the cyclic garbage collector runs on the Tk thread only, this often (see AppContext)
GC_EVERY_MS = 1000
_gc_owners = 0


def plain_error(exc: BaseException) -> str:
    """A message for a person: the service's own words, never a traceback."""
    if isinstance(exc, BillbookError):
        return str(exc)
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return "The database could not be reached. Nothing was saved; check the connection and try again."
    return f"Something went wrong ({type(exc).__name__}: {exc}). Nothing was lost; please try again."


@dataclass
class _Job:
    id: int
    busy: str | None
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    session: int = 0
    deferred: bool = False
    started: float = field(default_factory=time.monotonic)


def _widget_gone(callback) -> bool:
    """True when ``callback`` is a bound method of a Tk widget that no longer exists."""
    owner = getattr(callback, "__self__", None)
    if owner is None or not hasattr(owner, "winfo_exists"):
        return False
    try:
        return not owner.winfo_exists()
    except tk.TclError:
        return True


def cancel_timers(widget: tk.Misc) -> list[str]:
    """Cancel the pending ``after()`` callbacks of ``widget`` and every widget inside it, before
    it is destroyed; returns the cancelled callbacks' Tcl names.

    Tkinter deletes a widget's Tcl commands when it is destroyed but leaves its pending
    ``after`` events queued. Each then fires into a deleted command ("invalid command name …"
    printed), or worse: a command's name is the address of its Python wrapper plus the
    function's name, so once Python reuses that address for a new command of the same name —
    a new login form's ``<lambda>`` Enter binding after a search box's ``<lambda>`` debounce —
    the stale timer calls the new command, with no event.
    """
    names: set[str] = set()
    stack = [widget]
    while stack:
        w = stack.pop()
        names.update(getattr(w, "_tclCommands", None) or ())
        stack.extend(getattr(w, "children", {}).values())
    cancelled = []
    try:
        pending = widget.tk.splitlist(widget.tk.call("after", "info"))
    except tk.TclError:
        return cancelled
    for aid in pending:
        try:
            script = widget.tk.splitlist(widget.tk.call("after", "info", aid))[0]
        except tk.TclError:          # fired or cancelled meanwhile
            continue
        if script in names:
            widget.tk.call("after", "cancel", aid)
            cancelled.append(script)
    return cancelled


class AppContext:
    """Shared state and services for the shell and its screens (one per window)."""

    def __init__(self, root: tk.Misc, db: Database | None, shop: ShopInfo | None, *, terminal: str = "",
                 workers: int = 4):
        self.root = root
        self.db = db
        self.shop = shop
        self.terminal = terminal
        self.actor: Actor | None = None
        #: set False in tests/screenshots: PDFs are written but not handed to a viewer
        self.open_documents = True
        #: paths handed to the viewer/printer (tests read this)
        self.opened: list[str] = []
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="billbook-worker")
        self._results: queue.SimpleQueue = queue.SimpleQueue()
        self._jobs: dict[int, _Job] = {}
        self._fns: dict[int, Callable[[], Any]] = {}
        self._next_id = 0
        self._polling = False
        self._lock = threading.Lock()
        self._sales_listeners: list[Callable[[], None]] = []
        self._busy_listeners: list[Callable[[str | None], None]] = []
        self._message_listeners: list[Callable[[str, str], None]] = []
        self._health_listeners: list[Callable[[bool, str], None]] = []
        #: the current login's scope: 0 before the first login; bumped by ``end_session``
        self.session = 0
        self._in_session = False
        self._timers: dict[str, tuple[tk.Misc, int]] = {}
        self.healthy = True
        self.closed = False
        #: set by the shell: the Shell object and its per-screen key binder
        self.shell = None
        self.bind_key: Callable[[object, str, Callable[[], object]], None] = lambda owner, seq, fn: None
        # Tk objects (fonts, images) of destroyed widgets sit in reference cycles; if the cyclic
        # collector ran in a worker thread it would call into Tcl from there and hang. So while a
        # window lives, automatic collection is off and the Tk thread collects on a timer.
        global _gc_owners
        _gc_owners += 1
        self._gc_owned = True
        gc.disable()
        self._gc_ticks = 0
        #: the pending after() ids of the collector and the result poll (cancelled by ``shutdown``)
        self._gc_after: str | None = None
        self._poll_after: str | None = None
        try:
            self._gc_after = root.after(GC_EVERY_MS, self._collect)
        except (tk.TclError, AttributeError):
            pass

    def _collect(self) -> None:
        self._gc_after = None
        if self.closed:
            return
        self._gc_ticks += 1
        gc.collect(2 if self._gc_ticks % 30 == 0 else 1)
        try:
            self._gc_after = self.root.after(GC_EVERY_MS, self._collect)
        except tk.TclError:
            pass

    def _release_gc(self) -> None:
        global _gc_owners
        if self._gc_owned:
            self._gc_owned = False
            _gc_owners -= 1
            gc.collect(1)           # on the Tk thread, while Tcl is still there (the window's own
                                    # destroy is followed by a full collection in App.close)
            if _gc_owners <= 0:
                _gc_owners = 0
                gc.enable()

    # ------------------------------------------------------------------ permissions
    def can(self, permission: Permission) -> bool:
        return self.actor is not None and self.actor.can(permission)

    # ------------------------------------------------------------------ background work
    def run_in_background(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                          on_error: Callable[[BaseException], None] | None = None, *,
                          busy: str | None = None, app_wide: bool = False, deferred: bool = False) -> int:
        """Run ``fn()`` in a worker thread; call back on the Tk thread. Returns a job id.

        The callbacks belong to the current session: after ``end_session`` they are dropped
        (``fn`` still runs to its end). ``app_wide`` jobs (opening the database, logging in or
        out) call back whatever the session. ``deferred`` marks work a screen is usable
        without (the dashboard's charts, after its numbers): ``filling`` does not count it.
        """
        with self._lock:
            self._next_id += 1
            job = _Job(self._next_id, busy, on_done, on_error, -1 if app_wide else self.session, deferred)
            self._jobs[job.id] = job
        # The worker only gets the job id: ``fn`` (whose closure reaches the widgets and the Tk
        # root) stays referenced from here and is released on the Tk thread, never in a worker.
        self._fns[job.id] = fn
        self._pool.submit(self._work, job.id)
        self._update_busy()
        if not self._polling:
            self._polling = True
            self._poll_after = self.root.after(POLL_MS, self._poll)
        return job.id

    def _work(self, job_id: int) -> None:
        try:
            result = self._fns[job_id]()
        except BaseException as exc:  # noqa: BLE001 - handed to the Tk thread
            self._results.put((job_id, False, exc))
        else:
            self._results.put((job_id, True, result))

    def _poll(self) -> None:
        self._poll_after = None
        if self.closed:
            self._polling = False
            return
        try:
            while True:
                try:
                    job_id, ok, value = self._results.get_nowait()
                except queue.Empty:
                    break
                job = self._jobs.pop(job_id, None)
                self._fns.pop(job_id, None)
                if job is not None:
                    self._deliver(job, ok, value)
            self._update_busy()
        finally:
            # whatever a callback did, the poll goes on while jobs are running
            if self._jobs and not self.closed:
                try:
                    self._poll_after = self.root.after(POLL_MS, self._poll)
                except tk.TclError:       # the window is gone
                    self._polling = False
            else:
                self._polling = False

    def _deliver(self, job: _Job, ok: bool, value: Any) -> None:
        """Call one job's callback; a stale or failing callback never reaches the others."""
        if not ok and not isinstance(value, BillbookError):
            log.error("background job failed", exc_info=value)
        if job.session not in (-1, self.session):
            log.debug("dropped the result of job %s from an ended session", job.id)
            return
        callback = job.on_done if ok else job.on_error
        if callback is not None and _widget_gone(callback):
            log.debug("dropped the result of job %s: its widget is gone", job.id)
            return
        try:
            if ok:
                self._set_health(True)
                if callback:
                    callback(value)
            else:
                if isinstance(value, DatabaseUnavailable):
                    self._set_health(False, str(value))
                if callback:
                    callback(value)
                else:
                    self.notify(plain_error(value), "error")
        except tk.TclError as exc:     # a widget destroyed under the callback: nothing to show it in
            log.warning("callback of job %s met a destroyed widget: %s", job.id, exc)
        except Exception as exc:  # noqa: BLE001 - a callback bug must not kill the poller
            log.exception("callback failed")
            self.notify(plain_error(exc), "error")

    @property
    def pending(self) -> int:
        """Background jobs that have not called back yet."""
        return len(self._jobs)

    @property
    def filling(self) -> int:
        """Pending jobs a screen waits on to be usable (``pending`` less the deferred ones)."""
        return sum(1 for job in list(self._jobs.values()) if not job.deferred)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Pump the Tk loop until every background job has called back and no session timer
        (e.g. the counter's save of the open cart) is waiting (tests, screenshots)."""
        end = time.monotonic() + timeout
        while True:
            self.root.update()       # callbacks may start more work: check only after them
            if not (self._jobs or self._timers) and self._results.empty():
                break
            if time.monotonic() >= end:
                busy = [j.busy or getattr(self._fns.get(j.id), "__qualname__", "?") for j in self._jobs.values()]
                raise TimeoutError(f"{len(self._jobs)} background job(s) and {len(self._timers)} timer(s) "
                                   f"still pending after {timeout}s: {busy}")
            time.sleep(0.005)
        if self._gc_owned:
            gc.collect(1)

    def _update_busy(self) -> None:
        texts = [j.busy for j in self._jobs.values() if j.busy and j.session in (-1, self.session)]
        text = texts[-1] if texts else None
        self._call_all(self._busy_listeners, text)

    def _call_all(self, listeners: list, *args) -> None:
        for cb in list(listeners):
            try:
                cb(*args)
            except tk.TclError as exc:    # a listener whose widget is gone: forget it
                log.warning("dropped a listener whose widget is gone: %s", exc)
                if cb in listeners:
                    listeners.remove(cb)
            except Exception:  # noqa: BLE001 - one listener must not stop the others
                log.exception("listener failed")

    # ------------------------------------------------------------------ sessions
    def begin_session(self) -> int:
        """Open the scope of a login (the shell calls this); returns its number."""
        if self._in_session:
            self.end_session()
        self._in_session = True
        return self.session

    def end_session(self) -> None:
        """Tear down everything the current login created (log-out, window close)."""
        self._in_session = False
        self.session += 1
        for aid, (widget, _session) in list(self._timers.items()):
            try:
                widget.after_cancel(aid)
            except (tk.TclError, ValueError):
                pass
        self._timers.clear()
        self._busy_listeners.clear()
        self._message_listeners.clear()
        self._health_listeners.clear()
        self._sales_listeners.clear()
        self.shell = None
        self.bind_key = lambda owner, seq, fn: None
        self._update_busy()

    def schedule(self, widget: tk.Misc, ms: int, fn: Callable[[], None]) -> str:
        """``widget.after(ms, fn)`` owned by the current session (cancelled by ``end_session``)."""
        aid = ""

        def fire() -> None:
            self._timers.pop(aid, None)
            try:
                fn()
            except tk.TclError as exc:
                log.warning("timer met a destroyed widget: %s", exc)
            except Exception:  # noqa: BLE001 - keep the app going
                log.exception("timer failed")
        aid = widget.after(ms, fire)
        self._timers[aid] = (widget, self.session)
        return aid

    def cancel(self, aid: str | None) -> None:
        if not aid:
            return
        entry = self._timers.pop(aid, None)
        widget = entry[0] if entry else self.root
        try:
            widget.after_cancel(aid)
        except (tk.TclError, ValueError):
            pass

    def shutdown(self) -> None:
        """The window is closing: end the session and stop the context's own timers and workers."""
        self.end_session()
        self.closed = True
        for aid in (self._gc_after, self._poll_after):
            if aid:
                try:
                    self.root.after_cancel(aid)
                except (tk.TclError, ValueError):
                    pass
        self._gc_after = self._poll_after = None
        self._polling = False
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._release_gc()

    # ------------------------------------------------------------------ hooks
    def on_busy(self, callback: Callable[[str | None], None]) -> None:
        self._busy_listeners.append(callback)

    def on_message(self, callback: Callable[[str, str], None]) -> None:
        self._message_listeners.append(callback)

    def notify(self, text: str, kind: str = "info") -> None:
        """Show a message in the shell's message bar; kind is info, ok, warn or error."""
        self._call_all(self._message_listeners, text, kind)

    def on_sales_changed(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Subscribe (e.g. the dashboard) to 'a sale, return or held cart changed'. Returns an unsubscribe."""
        self._sales_listeners.append(callback)
        return lambda: self._sales_listeners.remove(callback) if callback in self._sales_listeners else None

    def notify_sales_changed(self, invoice=None) -> None:
        """Tell subscribers a sale, return or held cart changed (call on the Tk thread)."""
        self.sale_completed(invoice)

    # the names the back-office screens use for the same hook
    def on_sale_completed(self, callback: Callable[..., None]) -> Callable[[], None]:
        """Like :meth:`on_sales_changed`; the callback gets the invoice (or None)."""
        self._sales_listeners.append(callback)
        return lambda: self._sales_listeners.remove(callback) if callback in self._sales_listeners else None

    def sale_completed(self, invoice=None) -> None:
        for cb in list(self._sales_listeners):
            try:
                try:
                    cb(invoice)
                except TypeError:
                    cb()
            except Exception:  # noqa: BLE001
                log.exception("sales listener failed")

    def on_health(self, callback: Callable[[bool, str], None]) -> None:
        self._health_listeners.append(callback)

    def _set_health(self, ok: bool, detail: str = "") -> None:
        if ok == self.healthy and ok:
            return
        self.healthy = ok
        self._call_all(self._health_listeners, ok, detail)

    # ------------------------------------------------------------------ documents
    def open_document(self, path, *, print_it: bool = False, report: Callable[[str], None] | None = None) -> bool:
        """Hand a PDF to the system viewer (or printer); off in tests and screenshots.

        Returns True when it was sent (with ``open_documents`` off: taken as sent). A problem
        goes to ``report`` (e.g. the counter's print line) or else the message bar as a warning.
        """
        self.opened.append(str(path))
        if not self.open_documents:
            return True
        try:
            from billbook.documents import files
            if print_it and hasattr(files, "print_file"):
                files.print_file(path)
            elif hasattr(files, "open_file"):
                files.open_file(path)
            return True
        except BillbookError as exc:
            message = str(exc)
        except Exception as exc:  # noqa: BLE001 - no viewer installed etc.
            message = f"The PDF was saved to {path} but could not be opened: {exc}"
        if report is not None:
            report(message)
        else:
            self.notify(message, "warn")
        return False
