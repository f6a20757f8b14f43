"""Look and feel shared by every screen: colours, fonts, light/dark/system, table styling.

CustomTkinter widgets take ``(light, dark)`` colour pairs; the ttk Treeview used for tables
does not, so :func:`style_tables` re-styles it whenever the appearance mode changes.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

import customtkinter as ctk

THEMES = ("system", "light", "dark")

# (light, dark) pairs
ACCENT = ("#1f6aa5", "#3b8ed0")
ACCENT_HOVER = ("#185687", "#2f74ab")
OK = ("#1e7d3a", "#5cc27a")
WARN = ("#9a6200", "#f0b35a")
ERROR = ("#b3261e", "#f28b82")
MUTED = ("gray40", "gray65")
SIDEBAR = ("gray88", "gray12")
PANEL = ("gray97", "gray17")
STATUS = ("gray85", "gray10")
TOTAL = ("#0b3d66", "#cfe6ff")
TABLE_BG = ("#ffffff", "#242424")

FAMILY = "DejaVu Sans"      # has the ₹ sign on every Linux box; Tk falls back elsewhere


def font(size: int = 13, weight: str = "normal") -> ctk.CTkFont:
    return ctk.CTkFont(family=FAMILY, size=size, weight=weight)


def set_theme(mode: str) -> None:
    mode = mode if mode in THEMES else "system"
    ctk.set_appearance_mode(mode)


def is_dark() -> bool:
    return ctk.get_appearance_mode() == "Dark"


def pick(pair: tuple[str, str]) -> str:
    return pair[1] if is_dark() else pair[0]


def style_tables(root: tk.Misc) -> None:
    """Style ttk.Treeview (our tables) to match the current appearance mode."""
    dark = is_dark()
    bg = pick(TABLE_BG)
    fg = "#e6e6e6" if dark else "#1a1a1a"
    head_bg = "#333333" if dark else "#e4e7eb"
    sel = "#1f538d" if dark else "#cfe3f7"
    sel_fg = "#ffffff" if dark else "#0b2540"
    style = ttk.Style(root)
    try:
        style.theme_use("clam")
    except tk.TclError:  # pragma: no cover - clam ships with Tk
        pass
    style.configure("Billbook.Treeview", background=bg, fieldbackground=bg, foreground=fg,
                    rowheight=30, borderwidth=0, font=(FAMILY, 11))
    style.map("Billbook.Treeview", background=[("selected", sel)], foreground=[("selected", sel_fg)])
    style.configure("Billbook.Treeview.Heading", background=head_bg, foreground=fg, relief="flat",
                    font=(FAMILY, 10, "bold"), padding=(6, 4))
    style.map("Billbook.Treeview.Heading", background=[("active", head_bg)])
    style.layout("Billbook.Treeview", [("Billbook.Treeview.treearea", {"sticky": "nswe"})])
    style.configure("Billbook.Vertical.TScrollbar", background=head_bg, troughcolor=bg, borderwidth=0,
                    arrowcolor=fg)
