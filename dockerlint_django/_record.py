"""Record classes: what ``@dataclass`` gives this project, at a fraction of its import cost.

A linter run from a pre-commit hook pays its start-up on every call, and the standard
``dataclasses`` module is slow to start: importing it pulls in ``inspect``, and each class compiles
six generated methods with ``exec``. With some eighty record classes that alone cost more than a
whole hadolint run. Here only ``__init__`` is generated, with one ``exec`` the first time a class
is instantiated (most runs build a fraction of the classes they import); equality, hashing,
ordering, ``repr`` and frozenness are shared functions driven by the field list.

Type checkers see these classes as dataclasses through ``typing.dataclass_transform``: fields,
defaults, ``field(...)``, ``frozen`` and ``order`` are checked the same way.

``LazyPattern`` is the same economy for regular expressions: compiled on first use, not import.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from operator import attrgetter
from types import MemberDescriptorType
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class _FieldSpec:
    __slots__ = ("compare", "default", "default_factory", "init", "kw_only", "repr")

    def __init__(
        self,
        default: Any,
        default_factory: Callable[[], Any] | None,
        init: bool,
        repr: bool,
        compare: bool,
        kw_only: bool = False,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare
        self.kw_only = kw_only


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | None = None,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    kw_only: bool = False,
) -> Any:
    """Options for one field, as ``dataclasses.field`` takes them."""
    if default is not MISSING and default_factory is not None:
        raise ValueError("cannot specify both default and default_factory")
    return _FieldSpec(default, default_factory, init, repr, compare, kw_only)


class _Field:
    __slots__ = ("compare", "default", "factory", "init", "kw_only", "name", "repr")

    def __init__(self, name: str, spec: _FieldSpec) -> None:
        self.name = name
        self.kw_only = spec.kw_only
        self.default = spec.default
        self.factory = spec.default_factory
        self.init = spec.init
        self.repr = spec.repr
        self.compare = spec.compare


def _is_classvar(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar", "Final"))


def _collect(cls: type) -> list[_Field]:
    fields: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in getattr(base, "__record_fields__", ()):
            fields[f.name] = f
    # Not inspect.get_annotations: importing inspect is the cost this module exists to avoid.
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
    for name, annotation in own.items():
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, _FieldSpec):
            spec = value
            if spec.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
        else:
            spec = _FieldSpec(value, None, True, True, True)
        fields[name] = _Field(name, spec)
    return list(fields.values())


def _slot(cls: type, name: str) -> Any:
    """The slot descriptor that stores ``name`` on instances of ``cls``, if a slot does."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            found = klass.__dict__[name]
            return found if isinstance(found, MemberDescriptorType) else None
    return None


def _init_source(cls: type, fields: list[_Field], frozen: bool) -> tuple[str, dict[str, Any]]:
    namespace: dict[str, Any] = {"_object_setattr": object.__setattr__, "MISSING": MISSING}
    params: list[str] = []
    keyword: list[str] = []  # keyword-only parameters, after a `*`, as dataclasses place them
    body: list[str] = []
    seen_default = False
    uses_dict = False
    for f in fields:
        if f.init and f.kw_only:
            if f.default is not MISSING:
                namespace[f"_default_{f.name}"] = f.default
                keyword.append(f"{f.name}=_default_{f.name}")
            elif f.factory is not None:
                namespace[f"_factory_{f.name}"] = f.factory
                keyword.append(f"{f.name}=MISSING")
            else:
                keyword.append(f.name)
            if f.factory is not None:
                value = f"_factory_{f.name}() if {f.name} is MISSING else {f.name}"
            else:
                value = f.name
        elif f.init:
            if f.default is not MISSING:
                namespace[f"_default_{f.name}"] = f.default
                params.append(f"{f.name}=_default_{f.name}")
                seen_default = True
            elif f.factory is not None:
                namespace[f"_factory_{f.name}"] = f.factory
                params.append(f"{f.name}=MISSING")
                seen_default = True
            else:
                if seen_default:
                    raise TypeError(f"non-default field {f.name!r} follows a default field")
                params.append(f.name)
            if f.factory is not None:
                value = f"_factory_{f.name}() if {f.name} is MISSING else {f.name}"
            else:
                value = f.name
        elif f.factory is not None:
            namespace[f"_factory_{f.name}"] = f.factory
            value = f"_factory_{f.name}()"
        elif f.default is not MISSING:
            namespace[f"_default_{f.name}"] = f.default
            value = f"_default_{f.name}"
        else:
            continue
        if frozen:
            slot = _slot(cls, f.name)
            if slot is not None:
                # A slot's own setter: object.__setattr__ looks the slot up again each time.
                namespace[f"_set_{f.name}"] = slot.__set__
                body.append(f"    _set_{f.name}(self, {value})")
            else:
                # The instance's own dict, bypassing the frozen __setattr__ as dataclasses do.
                uses_dict = True
                body.append(f"    _d[{f.name!r}] = {value}")
        else:
            body.append(f"    self.{f.name} = {value}")
    if uses_dict:
        body.insert(0, "    _d = self.__dict__")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    if keyword:
        params += ["*", *keyword]
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass")
    return source, namespace


# Calls of a class's ``__init__`` before it is compiled: a class instantiated more often than
# this is worth its ``exec`` (a compiled one binds arguments faster), most classes are not.
_COMPILE_AFTER = 64


def _make_init(cls: type, fields: list[_Field], frozen: bool) -> Any:
    """A stand-in ``__init__`` that binds arguments itself for the first calls, then compiles
    the real one and replaces itself with it.

    ``exec`` costs more than any other part of a record class (a few hundred microseconds a
    class), and a one-file run instantiates most of its classes a few times only. The stand-in
    binds a well-formed call as the compiled ``__init__`` would (the same defaults, factories
    called when the argument is left out or is ``MISSING``, fields set in order, then
    ``__post_init__``); any other call goes to the compiled one, which raises Python's own
    ``TypeError``. The field order is checked here, so a bad one fails at class definition.
    """
    seen_default = False
    for f in fields:
        if f.init and not f.kw_only:
            if f.default is not MISSING or f.factory is not None:
                seen_default = True
            elif seen_default:
                raise TypeError(f"non-default field {f.name!r} follows a default field")
    qualname = f"{cls.__qualname__}.__init__"
    positional = tuple(f.name for f in fields if f.init and not f.kw_only)
    accepted = frozenset(f.name for f in fields if f.init)
    required = frozenset(
        f.name for f in fields if f.init and f.default is MISSING and f.factory is None
    )
    steps = tuple(
        (f.name, f.init, f.default, f.factory)
        for f in fields
        if f.init or f.factory is not None or f.default is not MISSING
    )
    post_init = hasattr(cls, "__post_init__")
    store: Callable[[Any, str, Any], None] = object.__setattr__ if frozen else setattr
    calls = 0

    def compiled() -> Any:
        source, namespace = _init_source(cls, fields, frozen)
        exec(source, namespace)
        init = namespace["__init__"]
        init.__qualname__ = qualname
        type.__setattr__(cls, "__init__", init)
        return init

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        given = dict(zip(positional, args, strict=False))  # too many args: checked below
        if (
            calls > _COMPILE_AFTER
            or len(args) > len(positional)
            or not (kwargs.keys() <= accepted and given.keys().isdisjoint(kwargs))
        ):
            compiled()(self, *args, **kwargs)
            return
        given.update(kwargs)
        if not required <= given.keys():
            compiled()(self, *args, **kwargs)  # raises: a required argument is missing
            return
        for name, init, default, factory in steps:
            if init and name in given:
                value = given[name]
                if factory is not None and value is MISSING:
                    value = factory()
            elif factory is not None:
                value = factory()
            else:
                value = default
            store(self, name, value)
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = qualname
    return __init__


def _key_getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        only = attrgetter(names[0])
        return lambda obj: (only(obj),)
    return attrgetter(*names)


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _repr(self: Any) -> str:
    parts = ", ".join(f"{name}={getattr(self, name, MISSING)!r}" for name in self.__record_repr__)
    return f"{type(self).__qualname__}({parts})"


_Key = Callable[[Any], tuple[Any, ...]]


# Returns bool, or NotImplemented for another class (typeshed types NotImplemented as Any).
def _eq(self: Any, other: object) -> Any:
    key: _Key = self.__record_key__
    if other.__class__ is self.__class__:
        return key(self) == key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__record_key__(self))


def _ordering(op: str) -> Callable[[Any, object], Any]:
    def compare(self: Any, other: object) -> Any:
        key: _Key = self.__record_key__
        if other.__class__ is not self.__class__:
            return NotImplemented
        mine, theirs = key(self), key(other)
        if op == "lt":
            return bool(mine < theirs)
        if op == "le":
            return bool(mine <= theirs)
        if op == "gt":
            return bool(mine > theirs)
        return bool(mine >= theirs)

    compare.__name__ = f"__{op}__"
    return compare


def _process(cls: type[_T], frozen: bool, order: bool, eq: bool) -> type[_T]:
    fields = _collect(cls)
    attrs: dict[str, Any] = {
        "__record_fields__": tuple(fields),
        "__record_repr__": tuple(f.name for f in fields if f.repr),
        "__record_key__": staticmethod(_key_getter([f.name for f in fields if f.compare])),
        "__match_args__": tuple(f.name for f in fields if f.init),
        "__init__": _make_init(cls, fields, frozen),
    }
    if "__repr__" not in cls.__dict__:
        attrs["__repr__"] = _repr
    if eq:
        attrs["__eq__"] = _eq
        attrs["__hash__"] = _hash if frozen else None
    if order:
        for op in ("lt", "le", "gt", "ge"):
            attrs[f"__{op}__"] = _ordering(op)
    if frozen:
        attrs["__setattr__"] = _frozen_setattr
        attrs["__delattr__"] = _frozen_delattr
    for key, value in attrs.items():
        setattr(cls, key, value)
    return cls


@overload
def record(cls: type[_T], /) -> type[_T]: ...
@overload
def record(
    *, frozen: bool = True, order: bool = False, eq: bool = True
) -> Callable[[type[_T]], type[_T]]: ...
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(
    cls: type[_T] | None = None,
    /,
    *,
    frozen: bool = True,
    order: bool = False,
    eq: bool = True,
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """Turn a class with annotated fields into a record; frozen unless ``frozen=False``."""
    if cls is not None:
        return _process(cls, frozen, order, eq)

    def wrap(c: type[_T]) -> type[_T]:
        return _process(c, frozen, order, eq)

    return wrap


def replace(obj: _T, /, **changes: Any) -> _T:
    """A copy of ``obj`` with some fields changed, as ``dataclasses.replace`` does."""
    fields: tuple[_Field, ...] = type(obj).__record_fields__  # type: ignore[attr-defined]
    for f in fields:
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name!r} is not set through __init__")
            continue
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return type(obj)(**changes)


def is_record(obj: object) -> bool:
    return hasattr(type(obj) if not isinstance(obj, type) else obj, "__record_fields__")


# -- lazily compiled patterns --------------------------------------------------------------------

_PATTERN_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    """A regular expression compiled the first time it is used, not when its module is imported.

    Compiling the hundred-odd patterns of the rules and readers costs a one-file run more than
    linting the file does, and most runs use few of them. Once compiled, the compiled pattern's
    own methods are stored on the instance, so a call costs what it costs on ``re.Pattern``.
    """

    def __init__(self, pattern: str, flags: int | re.RegexFlag = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def compiled(self) -> re.Pattern[str]:
        compiled = re.compile(self.pattern, self.flags)
        for name in _PATTERN_METHODS:
            setattr(self, name, getattr(compiled, name))
        setattr(self, "compiled", lambda: compiled)  # noqa: B010 - shadows the method
        return compiled

    @property
    def groups(self) -> int:
        return self.compiled().groups

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().match(string, pos, endpos)

    def fullmatch(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        return self.compiled().fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().search(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled().findall(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled().sub(repl, string, count)

    def subn(
        self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0
    ) -> tuple[str, int]:
        return self.compiled().subn(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        return self.compiled().split(string, maxsplit)
