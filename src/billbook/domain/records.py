"""``@record``: a frozen dataclass that is cheap to create.

A frozen dataclass's generated ``__init__`` sets every field through ``object.__setattr__``
(its own ``__setattr__`` refuses), a C slot call per field that costs several times a plain
attribute store. A sale creates a few hundred fields of such values (cart lines, line
totals, invoice lines, the invoice), which made that call a visible share of the checkout's
Python time. ``@record`` is ``@dataclass(frozen=True)`` with the same fields, defaults,
equality, hash, repr and refusal to change afterwards; only ``__init__`` differs: it fills
the instance's ``__dict__`` in one step.

Supported: plain fields, defaults and ``default_factory``. Not supported (refused when the
class is made): ``__post_init__``, ``InitVar``, keyword-only fields, ``init=False`` fields.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def record(cls: type[T]) -> type[T]:
    cls = dataclasses.dataclass(frozen=True)(cls)
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"@record {cls.__name__}: __post_init__ is not supported")
    fields = dataclasses.fields(cls)
    params, names = [], []
    scope: dict[str, Any] = {"_MISSING": dataclasses.MISSING}
    for f in fields:
        if not f.init or f.kw_only:
            raise TypeError(f"@record {cls.__name__}.{f.name}: init=False and kw_only are not supported")
        names.append(f.name)
        if f.default is not dataclasses.MISSING:
            scope[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
        else:
            params.append(f.name)
    factories = "".join(f"    if {f.name} is _MISSING: {f.name} = _f_{f.name}()\n"
                        for f in fields if f.default_factory is not dataclasses.MISSING)
    items = ", ".join(f"{n!r}: {n}" for n in names)
    source = (f"def __init__(self, {', '.join(params)}):\n{factories}"
              f"    self.__dict__.update({{{items}}})\n")
    exec(compile(source, f"<record {cls.__name__}>", "exec"), scope)  # noqa: S102 - generated from field names
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init
    return cls
