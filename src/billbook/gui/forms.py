"""Reusable pieces of the back-office screens: form fields that show a service's
``ValidationError`` next to the field it names, themed tables (paged for big lists),
a status line, and the helper that runs service calls off the Tk thread.

Screens stay thin: they build a :class:`Form`, call a service with ``form.values()``
through :func:`run_bg`, and hand any error to ``form.show_error(exc)``.
"""

from __future__ import annotations

import queue
import threading
import tkinter as tk
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from tkinter import filedialog, ttk
from typing import Any

import customtkinter as ctk

from billbook.domain.money import format_number, qty_str
from billbook.gui import theme
from billbook.gui.theme import ACCENT, ERROR, MUTED, OK, WARN  # noqa: F401 - re-exported for screens
from billbook.errors import BillbookError

LOW_STOCK_BG = ("#fde2e1", "#5c2b29")


def pick(color: tuple[str, str] | str) -> str:
    """The light or dark half of a CTk colour pair, for plain Tk widgets."""
    if isinstance(color, str):
        return color
    return theme.pick(color)


def money(value: Decimal | None) -> str:
    """Table text for an amount: grouped the Indian way, two decimals, no symbol."""
    return "" if value is None else format_number(value)


def rupees(value: Decimal | None) -> str:
    """Label text for an amount, with the rupee sign: ₹1,23,456.50."""
    if value is None:
        return ""
    text = format_number(value)
    return f"-₹{text[1:]}" if text.startswith("-") else f"₹{text}"


def qty(value: Decimal | None) -> str:
    return "" if value is None else qty_str(value)


def title_font(size: int = 20) -> ctk.CTkFont:
    return ctk.CTkFont(size=size, weight="bold")


# ---------------------------------------------------------------- background work

def run_bg(ctx: Any, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
           on_error: Callable[[BaseException], None] | None = None, *, busy: str | None = None) -> None:
    """Run ``fn`` off the Tk thread through the app context; callbacks run on the Tk thread.

    ``busy``: text for the shell's progress indicator while the work runs (slow work only).
    """
    if busy:
        ctx.run_in_background(fn, on_done or (lambda _r: None), on_error or (lambda _e: None), busy=busy)
    else:
        ctx.run_in_background(fn, on_done or (lambda _r: None), on_error or (lambda _e: None))


class ThreadRunner:
    """``run_in_background`` for a plain Tk root: a worker thread plus an ``after`` poll.

    The app shell's AppContext provides its own; this one serves tests, benchmarks and
    screenshot scripts that mount a screen in a bare ``ctk.CTk()``.
    """

    def __init__(self, root: tk.Misc, poll_ms: int = 15):
        self.root = root
        self.poll_ms = poll_ms
        self._results: queue.Queue = queue.Queue()
        self.pending = 0
        self._polling = False

    def __call__(self, fn, on_done=None, on_error=None, *, busy: str | None = None) -> None:
        on_done = on_done or (lambda _r: None)
        self.pending += 1

        def work():
            try:
                self._results.put((on_done, fn(), None))
            except BaseException as exc:  # noqa: BLE001 - handed to on_error on the Tk thread
                self._results.put((on_error, None, exc))
        threading.Thread(target=work, daemon=True).start()
        if not self._polling:
            self._polling = True
            self.root.after(self.poll_ms, self._poll)

    def _poll(self) -> None:
        while True:
            try:
                callback, result, exc = self._results.get_nowait()
            except queue.Empty:
                break
            self.pending -= 1
            if exc is not None:
                if callback is not None:
                    callback(exc)
            else:
                callback(result)
        if self.pending > 0:
            self.root.after(self.poll_ms, self._poll)
        else:
            self._polling = False


# ---------------------------------------------------------------- a context without the shell

class StandaloneContext:
    """Stand-in with the attributes of the shell's AppContext, used when gui/context.py is absent."""

    def __init__(self, root, db, actor):
        from billbook.services.people import shop as shop_service
        self.root = root
        self.db = db
        self.actor = actor
        self.shop = shop_service.get_shop(db)
        self.run_in_background = ThreadRunner(root)
        self.open_documents = False
        self.opened: list[str] = []
        self._sales_listeners = []

    @property
    def pending(self) -> int:
        return self.run_in_background.pending

    def can(self, permission) -> bool:
        return self.actor is not None and self.actor.can(permission)

    def notify(self, text, kind="info"):
        pass

    def open_document(self, path, *, print_it=False):
        self.opened.append(str(path))

    def on_sales_changed(self, callback):
        self._sales_listeners.append(callback)
        return lambda: self._sales_listeners.remove(callback) if callback in self._sales_listeners else None

    def notify_sales_changed(self):
        for cb in list(self._sales_listeners):
            cb()

    def shutdown(self):
        pass


def make_context(root, db, actor):
    """The shell's AppContext when it exists (else the stand-in), logged in as ``actor``."""
    from billbook.services.people import shop as shop_service
    try:
        from billbook.gui.context import AppContext
    except ImportError:
        return StandaloneContext(root, db, actor)
    ctx = AppContext(root, db, shop_service.get_shop(db), terminal=actor.terminal)
    ctx.actor = actor
    ctx.open_documents = False
    return ctx


# ---------------------------------------------------------------- status line

class StatusLine(ctk.CTkLabel):
    """One line of feedback under a form: ok / error / info."""

    def __init__(self, master, **kw):
        kw.setdefault("text", "")
        kw.setdefault("anchor", "w")
        kw.setdefault("justify", "left")
        super().__init__(master, **kw)

    def ok(self, text: str) -> None:
        self.configure(text=text, text_color=OK)

    def error(self, text: str) -> None:
        self.configure(text=text, text_color=ERROR)

    def info(self, text: str) -> None:
        self.configure(text=text, text_color=MUTED)

    def clear(self) -> None:
        self.configure(text="")

    @property
    def text(self) -> str:
        return self.cget("text")


# ---------------------------------------------------------------- fields and forms

class Field(ctk.CTkFrame):
    """A labelled input with an inline validation message underneath.

    ``kind``: entry | password | option | combo | switch | text.
    """

    def __init__(self, master, label: str, *, kind: str = "entry", values: Sequence[str] = (),
                 width: int = 220, placeholder: str = "", hint: str = ""):
        super().__init__(master, fg_color="transparent")
        self.kind = kind
        self.width = width
        self.label = ctk.CTkLabel(self, text=label, anchor="w")
        self.label.grid(row=0, column=0, sticky="w")
        if kind in ("entry", "password"):
            self.input = ctk.CTkEntry(self, width=width, placeholder_text=placeholder or None,
                                      show="•" if kind == "password" else "")
        elif kind == "option":
            self.input = ctk.CTkOptionMenu(self, width=width, values=list(values) or [""], dynamic_resizing=False)
        elif kind == "combo":
            self.input = ctk.CTkComboBox(self, width=width, values=list(values))
            self.input.set("")
        elif kind == "switch":
            self.input = ctk.CTkSwitch(self, text=hint or "", width=width)
        elif kind == "text":
            self.input = ctk.CTkTextbox(self, width=width, height=64)
        else:
            raise ValueError(kind)
        self.input.grid(row=1, column=0, sticky="w")
        self.message = ctk.CTkLabel(self, text=hint if kind != "switch" else "", text_color=MUTED, anchor="w",
                                    height=16, font=ctk.CTkFont(size=11), wraplength=width, justify="left")
        self.message.grid(row=2, column=0, sticky="w")
        self._hint = hint if kind != "switch" else ""
        self._border = None
        if kind in ("entry", "password"):
            self._border = self.input.cget("border_color")
            self.input.bind("<KeyRelease>", self._edited, add="+")
        self._shown_for: Any = None

    def _edited(self, _event=None) -> None:
        """A refusal goes once the value is edited (not on the release of the Enter that saved)."""
        if self._shown_for is None or self.get() != self._shown_for:
            self.clear_error()

    def get(self) -> Any:
        if self.kind == "switch":
            return bool(self.input.get())
        if self.kind == "text":
            return self.input.get("1.0", "end").rstrip("\n")
        return self.input.get()

    def set(self, value: Any) -> None:
        if self.kind == "switch":
            (self.input.select if value else self.input.deselect)()
        elif self.kind == "text":
            self.input.delete("1.0", "end")
            self.input.insert("1.0", "" if value is None else str(value))
        elif self.kind in ("option", "combo"):
            self.input.set("" if value is None else str(value))
        else:
            self.input.delete(0, "end")
            if value not in (None, ""):
                self.input.insert(0, str(value))

    def set_values(self, values: Sequence[str]) -> None:
        if self.kind in ("option", "combo"):
            self.input.configure(values=list(values) or [""])

    def show_error(self, message: str) -> None:
        self._shown_for = self.get() if self.kind in ("entry", "password") else None
        self.message.configure(text=message, text_color=ERROR)
        if self._border is not None:
            self.input.configure(border_color=ERROR)

    def clear_error(self) -> None:
        self._shown_for = None
        self.message.configure(text=self._hint, text_color=MUTED)
        if self._border is not None:
            self.input.configure(border_color=self._border)

    @property
    def error_text(self) -> str:
        return self.message.cget("text") if self.message.cget("text") != self._hint else ""

    def focus(self) -> None:
        self.input.focus_set()


class Form(ctk.CTkFrame):
    """A grid of :class:`Field` s keyed by the service argument they feed.

    ``aliases`` maps a service's ``ValidationError.field`` to a form key when they differ
    (e.g. ``stock`` -> ``opening_stock``).
    """

    def __init__(self, master, *, columns: int = 2, aliases: dict[str, str] | None = None, **kw):
        kw.setdefault("fg_color", "transparent")
        super().__init__(master, **kw)
        self.columns = columns
        self.fields: dict[str, Field] = {}
        self.aliases = aliases or {}
        self._next = 0
        self.status = StatusLine(self)

    def add(self, key: str, label: str, *, span: int = 1, **kw) -> Field:
        field = Field(self, label, **kw)
        row, col = divmod(self._next, self.columns)
        if col and col + span > self.columns:      # a wide field starts a row of its own
            self._next += self.columns - col
            row, col = row + 1, 0
        field.grid(row=row, column=col, columnspan=span, sticky="nw", padx=(0, 16), pady=(0, 2))
        self._next += span
        self.fields[key] = field
        self.status.grid(row=row + 1, column=0, columnspan=self.columns, sticky="we", pady=(4, 0))
        return field

    def natural_width(self) -> int:
        """The width the fields ask for (without asking Tk to lay the window out first)."""
        columns = [0] * self.columns
        for field in self.fields.values():
            info = field.grid_info()
            col, span = int(info.get("column", 0)), int(info.get("columnspan", 1))
            if span == 1:
                columns[col] = max(columns[col], field.width + 16)
        wide = max((f.width + 16 for f in self.fields.values() if int(f.grid_info().get("columnspan", 1)) > 1),
                   default=0)
        return max(sum(columns), wide)

    def submit_with(self, callback: Callable[[], None]) -> None:
        """Enter (or keypad Enter) in any one-line field of the form calls ``callback`` — saves."""
        def fire(_event=None) -> str:
            callback()
            return "break"
        for field in self.fields.values():
            if field.kind in ("entry", "password", "combo"):
                target = field.input._entry if field.kind == "combo" else field.input
                target.bind("<Return>", fire, add="+")
                target.bind("<KP_Enter>", fire, add="+")

    def __getitem__(self, key: str) -> Field:
        return self.fields[key]

    def values(self) -> dict[str, Any]:
        return {key: f.get() for key, f in self.fields.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key in self.fields:
                self.fields[key].set(value)

    def clear(self) -> None:
        for f in self.fields.values():
            f.set("" if f.kind not in ("switch",) else False)
        self.clear_errors()

    def clear_errors(self) -> None:
        for f in self.fields.values():
            f.clear_error()
        self.status.clear()

    def field_for(self, name: str | None) -> Field | None:
        if not name:
            return None
        return self.fields.get(self.aliases.get(name, name))

    def show_error(self, exc: BaseException) -> None:
        """Put a service error next to its field (or in the status line); never a traceback."""
        self.show_errors([exc])

    def show_errors(self, errors: Sequence[BaseException]) -> None:
        """Every bad field at once, each at its field; the first one gets the focus."""
        self.clear_errors()
        marked: list[Field] = []
        other: list[str] = []
        for exc in errors:
            field = self.field_for(getattr(exc, "field", None))
            message = getattr(exc, "message", None) or str(exc)
            if field is not None and field not in marked:
                field.show_error(message)
                marked.append(field)
            elif field is None:
                other.append(error_text(exc))
        if marked:
            marked[0].focus()
        if other:
            self.status.error("  ".join(other))
        elif marked:
            self.status.error("Please correct the field marked in red." if len(marked) == 1 else
                              f"Please correct the {len(marked)} fields marked in red.")

    def check(self, checks: dict[str, Callable[[Any], Any]]) -> dict[str, Any] | None:
        """Run ``checks[key](value)`` for every field; show all the refusals at once.

        A check returns the clean value or raises (a ``ValidationError``/``MoneyError``/
        ``ValueError`` with a message). Returns the values (cleaned where checked), or None
        when any field was refused.
        """
        values = self.values()
        errors: list[BaseException] = []
        for key, fn in checks.items():
            try:
                values[key] = fn(values.get(key))
            except Exception as exc:  # noqa: BLE001 - any refusal is shown at its field
                message = getattr(exc, "message", None) or str(exc).split(": ", 1)[-1]
                err = ValueError(message)
                err.field, err.message = key, message          # type: ignore[attr-defined]
                errors.append(err)
        if errors:
            self.show_errors(errors)
            return None
        self.clear_errors()
        return values


def all_errors(validate: Callable[..., Any], values: dict[str, Any], fallback: dict[str, Any],
               rounds: int = 24) -> list[BaseException]:
    """Every field the service's own validator refuses, not just the first.

    ``validate(**values)`` raises a ``ValidationError`` naming one field; that field is then
    given its harmless ``fallback`` value and the check runs again, until it passes (or a
    field without a fallback is refused). The rules stay in the service.
    """
    from billbook.errors import ValidationError
    vals, errors = dict(values), []
    for _ in range(rounds):
        try:
            validate(**vals)
            return errors
        except ValidationError as exc:
            errors.append(exc)
            if exc.field not in fallback or vals.get(exc.field) == fallback[exc.field]:
                return errors
            vals[exc.field] = fallback[exc.field]
    return errors


def error_text(exc: BaseException) -> str:
    """What a person sees for an error: our named errors as they are, anything else briefly."""
    if isinstance(exc, BillbookError):
        return str(exc)
    return f"Something went wrong: {type(exc).__name__}: {exc}"


# ---------------------------------------------------------------- tables

@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int = 100
    anchor: str = "w"      # "e" for numbers: right-aligned
    stretch: bool = False
    priority: int | None = None   # higher stays longer when the table is narrow (see gui/widgets/fit.py)
    min_width: int = 0


def _apply_table_style(widget: tk.Misc) -> None:
    theme.style_tables(widget)


class Table(ctk.CTkFrame):
    """A themed ``ttk.Treeview`` with typed columns; numbers right-aligned by their column."""

    def __init__(self, master, columns: Sequence[Column], *, height: int = 12,
                 on_select: Callable[[str], None] | None = None,
                 on_activate: Callable[[str], None] | None = None):
        super().__init__(master, fg_color="transparent")
        _apply_table_style(self)
        self.columns = list(columns)
        self.tree = ttk.Treeview(self, columns=[c.key for c in columns], show="headings", height=height,
                                 style="Billbook.Treeview", selectmode="browse")
        for c in columns:
            self.tree.heading(c.key, text=c.title, anchor=c.anchor)
            self.tree.column(c.key, width=c.width, minwidth=20, anchor=c.anchor, stretch=False)
        from billbook.gui.widgets.fit import ColumnFitter, fit_columns
        self.fitter = ColumnFitter(self.tree, fit_columns(self.columns, heading_attr="title"))
        bar = ttk.Scrollbar(self, orient="vertical", command=self.tree.yview, style="Billbook.Vertical.TScrollbar")
        self.tree.configure(yscrollcommand=bar.set)
        self.tree.grid(row=0, column=0, sticky="nsew")
        bar.grid(row=0, column=1, sticky="ns")
        self.grid_rowconfigure(0, weight=1)
        self.grid_columnconfigure(0, weight=1)
        self._tags()
        self.rows: dict[str, Any] = {}
        if on_select:
            self.tree.bind("<<TreeviewSelect>>", lambda _e: self.selected() and on_select(self.selected()))
        if on_activate:
            self.tree.bind("<Double-1>", lambda _e: self.selected() and on_activate(self.selected()))
            self.tree.bind("<Return>", lambda _e: self.selected() and on_activate(self.selected()))
        ctk.AppearanceModeTracker.add(self._on_mode, self)

    def _tags(self) -> None:
        self.tree.tag_configure("low", background=pick(LOW_STOCK_BG))
        self.tree.tag_configure("muted", foreground=pick(MUTED))
        self.tree.tag_configure("bad", foreground=pick(ERROR))

    def _on_mode(self, _mode) -> None:
        try:
            _apply_table_style(self)
            self._tags()
        except tk.TclError:
            pass

    def destroy(self):
        ctk.AppearanceModeTracker.remove(self._on_mode)
        super().destroy()

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Any], Any]], *, tags: dict[str, tuple] | None = None) -> None:
        """``rows``: (iid, values in column order, the object behind the row)."""
        self.fitter.clear()
        self.rows = {}
        for iid, values, obj in rows:
            self.fitter.insert(iid, values, (tags or {}).get(iid, ()))
            self.rows[iid] = obj
        self.fitter.after_rows_changed()

    def selected(self) -> str | None:
        sel = self.tree.selection()
        return sel[0] if sel else None

    def selected_obj(self) -> Any:
        iid = self.selected()
        return self.rows.get(iid) if iid else None

    def select(self, iid: str) -> None:
        self.tree.selection_set(iid)
        self.tree.focus(iid)
        self.tree.see(iid)

    def values_of(self, iid: str) -> dict[str, str]:
        return dict(zip((c.key for c in self.columns), self.fitter.values(iid)))

    def count(self) -> int:
        return len(self.tree.get_children())


class PagedTable(Table):
    """A table over a big list: shows one page, fetched off the Tk thread.

    ``query()`` runs on the Tk thread and reads the screen's inputs (search text, filters);
    ``fetch(query, offset, limit)`` runs in the background and returns ``(rows, total[, tags])``
    where ``rows`` is what :meth:`Table.set_rows` takes; ``total`` may be ``None`` if unknown.
    Worker code must never touch a widget.
    """

    def __init__(self, master, ctx, columns: Sequence[Column], fetch, *, query=lambda: None, page_size: int = 50,
                 **kw):
        super().__init__(master, columns, **kw)
        self.ctx = ctx
        self.fetch = fetch
        self.query = query
        self.page_size = page_size
        self.offset = 0
        self.total: int | None = None
        self.loading = False
        self._generation = 0
        self.on_loaded: Callable[[], None] | None = None
        self.on_error: Callable[[BaseException], None] | None = None
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.grid(row=1, column=0, columnspan=2, sticky="we", pady=(4, 0))
        self.prev_btn = ctk.CTkButton(bar, text="‹ Previous", width=100, command=self.prev_page)
        self.prev_btn.pack(side="left")
        self.next_btn = ctk.CTkButton(bar, text="Next ›", width=100, command=self.next_page)
        self.next_btn.pack(side="left", padx=6)
        self.page_label = ctk.CTkLabel(bar, text="", text_color=MUTED)
        self.page_label.pack(side="left", padx=8)

    def reload(self, *, reset: bool = True) -> None:
        if reset:
            self.offset = 0
        self._generation += 1
        generation = self._generation
        self.loading = True
        self.page_label.configure(text="Loading…")
        offset, limit = self.offset, self.page_size
        params = self.query()

        def done(result):
            if generation != self._generation:
                return  # a newer search replaced this one
            rows, total = result[0], result[1]
            tags = result[2] if len(result) > 2 else None
            self.loading = False
            self.total = total
            self.set_rows(rows, tags=tags)
            shown = len(rows)
            first = offset + 1 if shown else 0
            of = f" of {total:,}" if total is not None else ""
            self.page_label.configure(text=f"{first:,}–{offset + shown:,}{of}" if shown else "No matches")
            more = (total is None and shown == limit) or (total is not None and offset + shown < total)
            self.next_btn.configure(state="normal" if more else "disabled")
            self.prev_btn.configure(state="normal" if offset > 0 else "disabled")
            if self.on_loaded:
                self.on_loaded()

        def failed(exc):
            if generation != self._generation:
                return
            self.loading = False
            self.page_label.configure(text=error_text(exc), text_color=ERROR)
            if self.on_error:
                self.on_error(exc)

        run_bg(self.ctx, lambda: self.fetch(params, offset, limit), done, failed)

    def next_page(self) -> None:
        self.offset += self.page_size
        self.reload(reset=False)

    def prev_page(self) -> None:
        self.offset = max(0, self.offset - self.page_size)
        self.reload(reset=False)


# ---------------------------------------------------------------- small things

def section(master, text: str) -> ctk.CTkLabel:
    return ctk.CTkLabel(master, text=text, font=ctk.CTkFont(size=15, weight="bold"), anchor="w")


def header(master, title: str, subtitle: str = "") -> ctk.CTkFrame:
    frame = ctk.CTkFrame(master, fg_color="transparent")
    ctk.CTkLabel(frame, text=title, font=title_font(), anchor="w").pack(side="left")
    if subtitle:
        ctk.CTkLabel(frame, text=subtitle, text_color=MUTED, anchor="w").pack(side="left", padx=12, pady=(6, 0))
    return frame


def documents_folder() -> str:
    """Where file dialogs start: the shop's documents folder (billbook's data folder, where
    invoices and exports live), never the program's own folder."""
    from billbook.config import data_dir
    folder = data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        from pathlib import Path
        return str(Path.home())
    return str(folder)


class Dialogs:
    """File choosers, kept in one place so tests can replace them (no modal dialog in tests).
    They open in :func:`documents_folder`."""

    @staticmethod
    def save_path(parent, *, title: str, default: str, types: list[tuple[str, str]]) -> str | None:
        path = filedialog.asksaveasfilename(parent=parent, title=title, initialfile=default, filetypes=types,
                                            defaultextension=types[0][1].lstrip("*") if types else "",
                                            initialdir=documents_folder())
        return path or None

    @staticmethod
    def open_path(parent, *, title: str, types: list[tuple[str, str]]) -> str | None:
        path = filedialog.askopenfilename(parent=parent, title=title, filetypes=types, initialdir=documents_folder())
        return path or None

    @staticmethod
    def confirm(parent, title: str, message: str) -> bool:
        from tkinter import messagebox
        return bool(messagebox.askyesno(title, message, parent=parent))


def open_file(path: str) -> None:
    """Open a produced file with the system viewer (documents module decides how)."""
    try:
        from billbook.documents import open_with_system  # type: ignore[attr-defined]
    except ImportError:
        return
    try:
        open_with_system(path)
    except Exception:  # noqa: BLE001 - a missing viewer must not break the screen
        pass
