"""@record: a frozen dataclass with a one-step __init__ behaves as @dataclass(frozen=True)."""

from __future__ import annotations

import dataclasses
from dataclasses import field

import pytest

from billbook.domain.records import record


@record
class Point:
    x: int
    y: int = 0
    tags: list = field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class PlainPoint:
    x: int
    y: int = 0
    tags: list = field(default_factory=list)


def test_same_fields_defaults_equality_repr_and_hash_as_a_frozen_dataclass():
    assert Point(1) == Point(1, 0, []) == Point(x=1, tags=[])
    assert Point(1, 2) != Point(2, 1)
    assert repr(Point(1, 2)) == repr(PlainPoint(1, 2)).replace("PlainPoint", "Point")
    assert dataclasses.asdict(Point(3, 4, ["a"])) == {"x": 3, "y": 4, "tags": ["a"]}
    assert dataclasses.replace(Point(1, 2), y=5) == Point(1, 5)
    assert hash(Point(1, 2, ())) == hash(Point(1, 2, ()))
    assert Point(1).tags is not Point(1).tags            # a fresh default each time


def test_still_refuses_change_and_missing_or_unknown_arguments():
    p = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.y
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError):
        Point(1, z=3)
    with pytest.raises(TypeError):
        Point(1, 2, [], 4)


def test_unsupported_dataclass_features_are_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="__post_init__"):
        @record
        class WithPost:
            x: int

            def __post_init__(self):
                pass

    with pytest.raises(TypeError, match="kw_only"):
        @record
        class WithKwOnly:
            x: int = field(kw_only=True)
