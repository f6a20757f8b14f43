"""The fit check: does everything on a real window fit it?

:func:`misfits` walks every widget of a Tk window (and its open toplevels) and lists what a
person could not use or read:

- an **interactive widget** (button, entry, menu, switch, table, scrollbar, …) that lies,
  even partly, outside the visible window — clipped by the window or by any widget it sits
  in — unless the part outside is inside a scrollable area (a canvas with a scroll command,
  e.g. ``CTkScrollableFrame``), which the person can scroll to;
- an interactive widget squeezed below 4 pixels, or any widget left unmapped by its geometry
  manager (pack and grid unmap what finds no room);
- a **label** (every ``tk.Label``: CTkLabel, button texts, switch texts, menu texts) whose
  text, measured with its Tk font, is wider than the label, or whose wrapped text is taller;
- a **table** (``ttk.Treeview``) whose shown columns are wider together than the table, or
  a cell or heading whose text is wider than its column (Tk would cut it without a "…"), or
  that has given way down to one column (a label without its value says nothing).

Only what is mapped (on screen) is looked at. Each problem is one line naming the widget's
path, its class and, for text, the text.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

#: pixels a widget may stick out (borders and rounding of CTk's scaled sizes)
SLACK = 2
#: Treeview cell padding (the theme pads text 4 px each side)
CELL_PAD = 8

_INTERACTIVE_NAMES = ("CTkButton", "CTkEntry", "CTkOptionMenu", "CTkComboBox", "CTkSwitch", "CTkCheckBox",
                      "CTkRadioButton", "CTkSegmentedButton", "CTkTextbox", "CTkSlider", "CTkScrollbar")


def _interactive(w: tk.Misc) -> bool:
    if any(type(w).__name__ == n or n in {c.__name__ for c in type(w).__mro__} for n in _INTERACTIVE_NAMES):
        return True
    return isinstance(w, (ttk.Treeview, ttk.Scrollbar, ttk.Entry, ttk.Combobox, tk.Entry, tk.Text, tk.Button,
                          tk.Listbox, tk.Scrollbar))


def _rect(w: tk.Misc) -> tuple[int, int, int, int]:
    x, y = w.winfo_rootx(), w.winfo_rooty()
    return x, y, x + w.winfo_width(), y + w.winfo_height()


def _scrolls(w: tk.Misc) -> tuple[bool, bool]:
    """(x, y): does this canvas scroll its content on that axis?"""
    if not isinstance(w, tk.Canvas):
        return False, False
    try:
        return bool(w.cget("xscrollcommand")), bool(w.cget("yscrollcommand"))
    except tk.TclError:
        return False, False


def _visible_rect(w: tk.Misc) -> tuple[tuple[int, int, int, int], tuple[bool, bool]]:
    """The part of ``w`` not clipped by its ancestors, and whether clipping stopped at a scroller
    on the x / y axis (what lies beyond is reachable by scrolling)."""
    x0, y0, x1, y1 = _rect(w)
    free_x = free_y = False
    p = w.master
    while p is not None:
        px0, py0, px1, py1 = _rect(p)
        sx, sy = _scrolls(p)
        free_x, free_y = free_x or sx, free_y or sy
        if not free_x:
            x0, x1 = max(x0, px0), min(x1, px1)
        if not free_y:
            y0, y1 = max(y0, py0), min(y1, py1)
        if isinstance(p, (tk.Tk, tk.Toplevel)):
            break
        p = p.master
    return (x0, y0, x1, y1), (free_x, free_y)


def _text_width(w: tk.Misc, font, text: str) -> int:
    return max((int(w.tk.call("font", "measure", font, line)) for line in text.split("\n")), default=0)


def _label_problem(w: tk.Label) -> str | None:
    text = str(w.cget("text"))
    if not text.strip() or w.cget("image") and w.cget("compound") in ("none", ""):
        return None
    pad = 2 * (int(str(w.cget("padx"))) + int(str(w.cget("bd"))) + int(str(w.cget("highlightthickness"))))
    width, height = w.winfo_width(), w.winfo_height()
    wrap = int(str(w.winfo_pixels(w.cget("wraplength"))))
    need = _text_width(w, w.cget("font"), text)
    if wrap > 0:
        if w.winfo_reqheight() > height + SLACK or w.winfo_reqwidth() > width + SLACK:
            return (f"wrapped text does not fit (needs {w.winfo_reqwidth()}x{w.winfo_reqheight()}px, "
                    f"has {width}x{height})")
        return None
    if need > width - pad + SLACK:
        return f"text {need}px wide in a {width - pad}px label"
    return None


def _tree_problems(tree: ttk.Treeview) -> list[str]:
    out: list[str] = []
    style = ttk.Style(tree)
    name = str(tree.cget("style")) or "Treeview"
    font = style.lookup(name, "font") or "TkDefaultFont"
    head_font = style.lookup(f"{name}.Heading", "font") or "TkHeadingFont"
    shown = list(tree.cget("displaycolumns"))
    if shown in (["#all"], ("#all",)) or shown == ["#all"]:
        shown = list(tree.cget("columns"))
    columns = list(tree.cget("columns"))
    if len(columns) >= 2 and len(shown) < 2:
        out.append(f"only column {shown} of {columns} is shown: the table is too narrow to say anything")
    widths = {c: int(tree.column(c, "width")) for c in shown}
    total = sum(widths.values())
    if total > tree.winfo_width() + SLACK:
        out.append(f"columns are {total}px wide together in a {tree.winfo_width()}px table: "
                   f"the last ones are cut off")
    for c in shown:
        heading = str(tree.heading(c, "text"))
        if heading and _text_width(tree, head_font, heading) + 2 * 6 > widths[c] + SLACK:
            out.append(f"heading {heading!r} wider than its {widths[c]}px column")
    for iid in tree.get_children()[:60]:
        for c in shown:
            text = str(tree.set(iid, c))
            if text and _text_width(tree, font, text) + CELL_PAD > widths[c] + SLACK:
                out.append(f"cell {text!r} (column {c}) wider than its {widths[c]}px column")
    return out


def _walk(w: tk.Misc, inside_interactive: bool, out: list[str]) -> None:
    kind = type(w).__name__
    try:
        if not w.winfo_viewable():
            # managed inside a shown widget yet not mapped: the geometry manager had no room left
            if (w.winfo_manager() in ("pack", "grid") and w.master is not None and w.master.winfo_viewable()
                    and not inside_interactive):
                text = f" {str(w.cget('text'))!r}" if isinstance(w, tk.Label) else _what(w)
                out.append(f"{w} {kind}{text}: no room for it (its geometry manager left it unmapped)")
            return
    except tk.TclError:
        return
    me = _interactive(w)
    if me and not inside_interactive:
        (x0, y0, x1, y1), _ = _visible_rect(w)
        rx0, ry0, rx1, ry1 = _rect(w)
        squeezable = isinstance(w, (ttk.Treeview, tk.Text, tk.Listbox)) or kind in ("CTkTextbox", "CTkScrollbar")
        entry = kind in ("CTkEntry", "CTkComboBox") or isinstance(w, (tk.Entry, ttk.Entry))
        if rx1 - rx0 < 4 or ry1 - ry0 < 4:
            out.append(f"{w} {kind}{_what(w)}: squeezed to {rx1 - rx0}x{ry1 - ry0}px")
        elif not squeezable and (w.winfo_height() < w.winfo_reqheight() - SLACK
                                 or not entry and w.winfo_width() < w.winfo_reqwidth() - SLACK):
            out.append(f"{w} {kind}{_what(w)}: squeezed to {w.winfo_width()}x{w.winfo_height()}px "
                       f"(needs {w.winfo_reqwidth()}x{w.winfo_reqheight()})")
        elif x0 > rx0 + SLACK or y0 > ry0 + SLACK or x1 < rx1 - SLACK or y1 < ry1 - SLACK:
            out.append(f"{w} {kind}{_what(w)}: outside the window or its area "
                       f"(at {rx0},{ry0}–{rx1},{ry1}, visible {x0},{y0}–{x1},{y1})")
    if isinstance(w, tk.Label) and type(w) is tk.Label or kind == "Label":
        problem = _label_problem(w)
        if problem is None:
            (x0, y0, x1, y1), _ = _visible_rect(w)
            rx0, ry0, rx1, ry1 = _rect(w)
            if w.cget("text") and (x0 > rx0 + SLACK or y0 > ry0 + SLACK or x1 < rx1 - SLACK or y1 < ry1 - SLACK):
                problem = "outside the window or its area"
        if problem:
            out.append(f"{w} label {str(w.cget('text'))!r}: {problem}")
    if isinstance(w, ttk.Treeview):
        out.extend(f"{w} table: {p}" for p in _tree_problems(w))
    for child in w.winfo_children():
        if isinstance(child, (tk.Toplevel,)) and not isinstance(w, tk.Toplevel):
            continue      # toplevels are checked on their own
        _walk(child, inside_interactive or me, out)


def _what(w: tk.Misc) -> str:
    for attr in ("_text", "_placeholder_text"):
        text = getattr(w, attr, None)
        if text:
            return f" {text!r}"
    return ""


def toplevels(root: tk.Misc) -> list[tk.Misc]:
    found = [root]
    stack = list(root.winfo_children())
    while stack:
        w = stack.pop()
        if isinstance(w, tk.Toplevel):
            try:
                if w.winfo_viewable():
                    found.append(w)
            except tk.TclError:
                pass
        stack.extend(w.winfo_children())
    return found


def misfits(root: tk.Misc) -> list[str]:
    """Every fit problem of the window ``root`` and its open toplevels (empty when all fits)."""
    root.update_idletasks()
    out: list[str] = []
    for top in toplevels(root):
        _walk(top, False, out)
    return out
