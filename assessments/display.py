"""What a learner may see of a question: never fractions, keys or feedback.

Quiz pages and the admin preview both build their question forms from this, so the answer
key cannot leak into the HTML by accident.
"""

import random

from assessments import graders


def learner_view(*, grading_data: dict, stem: str, seed: str | None = None, shuffle: bool = False) -> dict:
    """The learner-safe description of one question.

    With ``shuffle`` the option order is derived from ``seed`` (the attempt's frozen order),
    so reloading shows the same order.
    """
    qtype = grading_data["type"]
    rng = random.Random(seed)  # noqa: S311 (presentation order, not security)
    view = {"type": qtype, "stem": stem, "marks": grading_data["marks"]}
    if qtype in (graders.SINGLE_CHOICE, graders.MULTIPLE_RESPONSE):
        options = [{"id": o["id"], "text": o["text"]} for o in grading_data["options"]]
        if shuffle:
            rng.shuffle(options)
        view["options"] = options
    elif qtype == graders.MATCHING:
        lefts = [{"id": p["id"], "left": p["left"]} for p in grading_data["pairs"]]
        choices = sorted(
            {p["right"] for p in grading_data["pairs"]} | set(grading_data.get("distractors", []))
        )
        if shuffle:
            rng.shuffle(lefts)
            rng.shuffle(choices)
        view.update(lefts=lefts, choices=choices)
    elif qtype == graders.ESSAY:
        view["max_chars"] = int(grading_data.get("response_max_chars") or graders.ESSAY_MAX_CHARS_DEFAULT)
    elif qtype == graders.SHORT_ANSWER:
        view["max_chars"] = graders.SHORT_ANSWER_MAX_CHARS
    return view
