"""The JSON Schemas kept beside this package (``schemas/*.schema.json``) and the check every
export passes before it is written: an export that fails its schema is an error, never a file."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from billbook.errors import ReturnInvalid

SCHEMAS = {"gstr1": "gstr1.schema.json", "gstr3b": "gstr3b.schema.json", "einvoice": "einvoice.schema.json"}


@functools.cache
def load(name: str) -> dict:
    """The schema document called ``name`` (gstr1, gstr3b, einvoice)."""
    text = resources.files("billbook.gst").joinpath("schemas", SCHEMAS[name]).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def _validator(name: str):
    from jsonschema import Draft202012Validator
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(name: str, document: Any) -> list[str]:
    """Every way ``document`` breaks schema ``name``: 'path: message', most specific first."""
    found = sorted(_validator(name).iter_errors(document), key=lambda e: (list(e.absolute_path), e.message))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in found]


def validate(name: str, document: Any) -> None:
    """Raise :class:`ReturnInvalid` unless ``document`` (plain JSON values) satisfies schema ``name``."""
    found = errors(name, document)
    if found:
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        raise ReturnInvalid(f"The {name.upper()} file does not match its published format, so it was not "
                            f"written: {'; '.join(found[:3])}{more}")


def dumps(document: Any) -> str:
    """The text that is written: UTF-8 JSON, keys in the order built."""
    return json.dumps(document, ensure_ascii=False, indent=1)
