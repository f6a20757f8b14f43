"""The screen registry: how screens slot into the app shell without touching each other.

A screen is a module in ``billbook/gui/screens/`` defining a CTkFrame subclass decorated
with :func:`screen`::

    @screen(key="billing", title="Billing", permission=Permission.SELL, order=10, shortcut="<F1>")
    class BillingScreen(ctk.CTkFrame):
        def __init__(self, master, ctx: AppContext): ...
        def on_show(self) -> None: ...   # optional: called each time the screen is shown

The shell imports every module in ``gui/screens``, shows in the sidebar only the screens
whose permission the logged-in role holds (services enforce it again), and builds each
screen on its first show, or earlier, hidden, while the user is idle (``Shell._prebuild_tick``). ``ctx`` (see gui/context.py) carries the Database, the Actor,
the shop info and helpers to run work off the Tk thread.

Keys. Screen shortcuts switch screens (``<F1>`` Billing, ``<F3>`` Invoices; back-office
screens should use ``<Control-…>`` letters or digits). Keys a screen binds for itself with
``ctx.bind_key(self, "<F8>", handler)`` fire only while it is shown and win over screen
shortcuts. Billing uses F2 and F4–F12 for its own work, Ctrl+L locks.

Switching. A first show of a screen not built yet builds it while the shell shows "Opening …";
``prepare=`` (optional) names work the shell runs in a worker thread shortly after login so
that build is quick — slow imports, typically. It must not touch Tk.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from billbook.domain.permissions import Permission
from billbook.gui import screens


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    permission: Permission
    order: int
    shortcut: str | None
    factory: type
    #: optional work the shell runs in a worker thread soon after login so the first show is
    #: quick (e.g. importing matplotlib for the dashboard); must not touch Tk
    prepare: Callable[[], object] | None = None


SCREENS: dict[str, ScreenSpec] = {}
#: screen modules that failed to import: name -> error (the shell still starts without them)
LOAD_ERRORS: dict[str, BaseException] = {}


def screen(*, key: str, title: str, permission: Permission, order: int = 100,
           shortcut: str | None = None, prepare: Callable[[], object] | None = None) -> Callable[[type], type]:
    def register(cls: type) -> type:
        SCREENS[key] = ScreenSpec(key, title, permission, order, shortcut, cls, prepare)
        return cls
    return register


def load_all() -> list[ScreenSpec]:
    """Import every screen module; return the specs in sidebar order."""
    for info in pkgutil.iter_modules(screens.__path__):
        if not info.name.startswith("_"):
            try:
                importlib.import_module(f"billbook.gui.screens.{info.name}")
            except Exception as exc:  # noqa: BLE001 - one broken screen must not stop the app
                logging.getLogger("billbook.gui").exception("screen module %s failed to import", info.name)
                LOAD_ERRORS[info.name] = exc
    return sorted(SCREENS.values(), key=lambda s: (s.order, s.title))
