"""A tab view whose tabs are built on their first visit (issue 16: quick screen switches).

A screen with several tabs builds only the one in sight when it opens; another is built the
first time it is chosen, by a click on its name or :meth:`LazyTabview.show_tab`. ``built``
names the tabs built so far, so the screen fills or reloads only what exists.
"""

from __future__ import annotations

from collections.abc import Callable

import customtkinter as ctk


class LazyTabview(ctk.CTkTabview):
    """``builders``: {tab name: function(tab frame)} in the order the tabs show. ``on_built``
    (optional) is called with a tab's name right after its first build (fill it, load it)."""

    def __init__(self, master, builders: dict[str, Callable[[ctk.CTkFrame], None]], *,
                 on_built: Callable[[str], None] | None = None, **kwargs):
        super().__init__(master, command=self.build_current, **kwargs)
        self.builders = dict(builders)
        self.on_built = on_built
        self.built: set[str] = set()
        for name in self.builders:
            self.add(name)

    def show_tab(self, name: str) -> None:
        """Bring tab ``name`` to the front, building it on its first visit."""
        self.set(name)
        self.build(name)

    def build_current(self) -> None:
        """Build the tab in front if it is not built yet (the tab bar's command)."""
        self.build(self.get())

    def build(self, name: str) -> None:
        if name in self.built or name not in self.builders:
            return
        self.built.add(name)
        self.builders[name](self.tab(name))
        if self.on_built is not None:
            self.on_built(name)
