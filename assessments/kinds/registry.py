"""The one place that maps a question type's code to its kind."""

from assessments.kinds.base import QuestionKind

_KINDS: dict[str, QuestionKind] = {}


def register(kind_class: type[QuestionKind]) -> type[QuestionKind]:
    """Class decorator: check the kind is complete (abc refuses one with a missing hook) and
    register one instance of it."""
    missing = [name for name in QuestionKind.REQUIRED_ATTRIBUTES if not hasattr(kind_class, name)]
    if missing:
        raise TypeError(f"{kind_class.__name__} must define {', '.join(missing)}")
    kind = kind_class()
    if kind.code in _KINDS:
        raise ValueError(f"question kind {kind.code!r} is registered twice")
    _KINDS[kind.code] = kind
    return kind_class


def get_kind(code: str) -> QuestionKind:
    """The kind for a type code; an unknown code is an authoring or data bug: ValueError."""
    try:
        return _KINDS[code]
    except KeyError:
        raise ValueError(f"unknown question type {code!r}") from None


def kind_of(data) -> QuestionKind:
    """The kind of a grading-data dict."""
    return get_kind(data["type"])


def all_kinds() -> list[QuestionKind]:
    """Registered kinds in registration order (the order of the type menu)."""
    return list(_KINDS.values())
