"""Question kinds: one module per question type, found through the registry.

Adding a type: a module here with a ``@register``-ed QuestionKind subclass, imported below,
and its template in templates/assessments/kinds/<code>.html.
"""

from assessments.kinds.base import GiftMapping, KindExample, QuestionKind
from assessments.kinds.registry import all_kinds, get_kind, kind_of, register

# Imported to register; registration order is the order of the type menu.
# isort: off
from assessments.kinds import single_choice  # noqa: F401
from assessments.kinds import multiple_response  # noqa: F401
from assessments.kinds import true_false  # noqa: F401
from assessments.kinds import short_answer  # noqa: F401
from assessments.kinds import numeric  # noqa: F401
from assessments.kinds import matching  # noqa: F401
from assessments.kinds import essay  # noqa: F401

# isort: on

__all__ = ["GiftMapping", "KindExample", "QuestionKind", "all_kinds", "get_kind", "kind_of", "register"]
