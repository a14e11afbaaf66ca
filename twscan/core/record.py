"""Plain record classes: what the data on the commit hook's path is built from.

Why not dataclasses: ``twscan staged`` runs on every commit, and ``import dataclasses`` alone
cost it ~10 ms (it pulls in ``inspect``, ``ast``, ``dis`` and ``tokenize``), then each
``@dataclass`` another 0.5-1 ms to generate and ``exec`` its methods; about twenty of them sat
on the hook's import path, together the largest part of its time above Python's own start-up.

A record declares its fields as ``__slots__``, in the order of its explicit, typed ``__init__``
(whose parameters carry the same names: :meth:`Record.replace` relies on it, and a test checks
it for every record). This base derives from the slots what a dataclass derived from its
fields: ``__repr__``, ``__eq__`` (same class, equal fields) and ``replace``. A mutable record is
unhashable, as a dataclass with ``eq=True`` is; a :class:`FrozenRecord` hashes its fields and
refuses assignment after ``__init__``, which sets its fields with :data:`set_field`, as
``frozen=True`` did. Both pickle (scan workers send findings back to the parent).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import Any, ClassVar, Self


#: How a frozen record's ``__init__`` sets a field (plain assignment raises once frozen): the
#: same call a frozen dataclass's generated ``__init__`` makes.
set_field = object.__setattr__


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record (as ``dataclasses.FrozenInstanceError``)."""


class Record:
    __slots__ = ()

    #: Every field, base classes' first: the slots along the class hierarchy.
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__slots__", ())
        cls._fields = (*cls._fields, *((own,) if isinstance(own, str) else own))

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    # Mutable: unhashable, as a dataclass with ``eq=True`` (Python does this for a class that
    # defines ``__eq__``; said here so that no reader has to know it).
    __hash__ = None  # type: ignore[assignment]

    def replace(self, **changes: object) -> Self:
        """A copy with some fields changed, built through ``__init__`` like
        ``dataclasses.replace``; an unknown field name is a TypeError."""
        unknown = set(changes).difference(self._fields)
        if unknown:
            names = ", ".join(sorted(unknown))
            raise TypeError(f"{type(self).__qualname__} has no field(s) {names}")
        values: dict[str, object] = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        cls: Any = type(self)
        new: Self = cls(**values)
        return new


class FrozenRecord(Record):
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self._values())

    # Unpickling and copying set the slots one by one: around the refusal above.
    def __getstate__(self) -> tuple[object, ...]:
        return self._values()

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for name, value in zip(self._fields, state, strict=True):
            set_field(self, name, value)
