"""Records behave as the dataclasses they replace: the properties the code base relies on."""

from __future__ import annotations

import pytest

from dockerlint_django._record import FrozenInstanceError, field, record, replace


@record(order=True)
class Point:
    x: int
    y: int = 0


@record
class Bag:
    name: str
    items: list[int] = field(default_factory=list)
    hidden: int = field(default=7, repr=False, compare=False)


@record(frozen=False)
class Mutable:
    a: int
    b: list[str] = field(default_factory=list)


@record
class Derived:
    text: str
    length: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "length", len(self.text))


def test_init_defaults_and_keywords() -> None:
    assert Point(1).y == 0
    assert Point(y=2, x=1) == Point(1, 2)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_default_factory_gives_each_instance_its_own_value() -> None:
    a, b = Bag("a"), Bag("b")
    a.items.append(1)
    assert b.items == []
    assert Bag("c", [3]).items == [3]


def test_equality_and_hash_follow_compared_fields_only() -> None:
    assert Bag("a", [], 1) == Bag("a", [], 2)
    assert Point(1, 2) != Point(2, 1)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    as_tuple: object = (1, 2)
    assert Point(1, 2) != as_tuple
    assert {Point(1, 2): "p"}[Point(1, 2)] == "p"


def test_other_classes_with_the_same_fields_are_not_equal() -> None:
    @record
    class Other:
        x: int
        y: int = 0

    other: object = Other(1, 2)
    assert Point(1, 2) != other


def test_ordering() -> None:
    assert sorted([Point(2, 0), Point(1, 5), Point(1, 2)]) == [
        Point(1, 2),
        Point(1, 5),
        Point(2, 0),
    ]
    assert Point(1, 2) <= Point(1, 2) < Point(1, 3)
    with pytest.raises(TypeError):
        _ = Point(1, 2) < (1, 3)  # type: ignore[operator]


def test_frozen() -> None:
    p = Point(1, 2)
    with pytest.raises(FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.y


def test_mutable_records_are_unhashable() -> None:
    m = Mutable(1)
    m.a = 2
    assert m == Mutable(2)
    with pytest.raises(TypeError):
        hash(m)


def test_repr_leaves_out_fields_marked_repr_false() -> None:
    assert repr(Point(1, 2)) == "Point(x=1, y=2)"
    assert repr(Bag("a")) == "Bag(name='a', items=[])"


def test_post_init_and_init_false() -> None:
    d = Derived("abc")
    assert d.length == 3
    assert replace(d, text="hello").length == 5
    with pytest.raises(ValueError):
        replace(d, length=1)


def test_replace_keeps_other_fields() -> None:
    assert replace(Point(1, 2), y=5) == Point(1, 5)
    assert replace(Bag("a", [1]), name="b").items == [1]


def test_non_default_after_default_is_rejected() -> None:
    with pytest.raises(TypeError):

        @record
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]


def test_classvar_is_not_a_field() -> None:
    from typing import ClassVar

    @record
    class WithClassVar:
        kind: ClassVar[str] = "k"
        value: int

    assert WithClassVar(3).value == 3
    assert WithClassVar.kind == "k"
