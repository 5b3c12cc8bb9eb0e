"""What a learner may see of a question: never fractions, keys or feedback.

Quiz pages and the admin preview both build their question forms from this, so the answer
key cannot leak into the HTML by accident. The type-specific part comes from the kind.
"""

import random

from assessments.kinds import kind_of


def learner_view(*, grading_data: dict, stem: str, seed: str | None = None, shuffle: bool = False) -> dict:
    """The learner-safe description of one question.

    With ``shuffle`` the option order is derived from ``seed`` (the attempt's frozen order),
    so reloading shows the same order.
    """
    kind = kind_of(grading_data)
    rng = random.Random(seed)  # noqa: S311 (presentation order, not security)
    return {
        **kind.learner_view(grading_data, rng=rng, shuffle=shuffle),
        "type": kind.code,
        "template": kind.template,
        "stem": stem,
        "marks": grading_data["marks"],
    }
