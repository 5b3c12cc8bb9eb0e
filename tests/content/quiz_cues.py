"""Cue measures on the curriculum's GIFT files: ways a quiz can be passed without reading.

Plain functions over parsed GIFT (no database), shared by the curriculum test and handy
from a shell: ``python -m tests.content.quiz_cues`` prints the measures per course.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assessments import gift, graders

COURSES_DIR = Path(__file__).resolve().parents[2] / "content" / "curriculum" / "courses"
ABSOLUTE_WORDS = re.compile(
    r"\b(always|never|only|all|every|none|must|enough|same everywhere)\b", re.IGNORECASE
)


@dataclass
class CourseCues:
    course: str
    single_choice: int = 0
    correct_longest: int = 0
    correct_shortest: int = 0
    multi_response: int = 0
    tick_all_positive: list[str] = field(default_factory=list)
    wrong_option_counts: list[int] = field(default_factory=list)
    false_statements: int = 0
    false_absolute: int = 0
    true_statements: int = 0
    true_absolute: int = 0

    @property
    def longest_share(self) -> float:
        return self.correct_longest / self.single_choice if self.single_choice else 0.0

    @property
    def shortest_share(self) -> float:
        return self.correct_shortest / self.single_choice if self.single_choice else 0.0

    @property
    def false_absolute_share(self) -> float:
        return self.false_absolute / self.false_statements if self.false_statements else 0.0

    @property
    def true_absolute_share(self) -> float:
        return self.true_absolute / self.true_statements if self.true_statements else 0.0

    def problems(self) -> list[str]:
        found = []
        if self.longest_share > 1 / 3:
            found.append(f"correct option longest in {self.correct_longest}/{self.single_choice}")
        if self.shortest_share > 1 / 3:
            found.append(f"correct option shortest in {self.correct_shortest}/{self.single_choice}")
        if self.tick_all_positive:
            found.append(f"ticking every option scores above 0: {self.tick_all_positive}")
        if self.multi_response and len(set(self.wrong_option_counts)) < 2:
            found.append(f"every multiple-response question has {self.wrong_option_counts[0]} wrong options")
        if self.false_absolute_share > self.true_absolute_share + 0.10:
            found.append(
                f"absolute words in {self.false_absolute}/{self.false_statements} false statements"
                f" vs {self.true_absolute}/{self.true_statements} true ones"
            )
        return found

    def summary(self) -> str:
        return (
            f"{self.course}: single-choice {self.single_choice}, correct longest "
            f"{self.correct_longest} ({self.longest_share:.0%}), shortest {self.correct_shortest} "
            f"({self.shortest_share:.0%}); multiple-response {self.multi_response}, tick-all > 0 in "
            f"{len(self.tick_all_positive)}, wrong-option counts {sorted(set(self.wrong_option_counts))}; "
            f"T/F absolute words false {self.false_absolute}/{self.false_statements}, "
            f"true {self.true_absolute}/{self.true_statements}"
        )


def gift_files(course_dir: Path) -> list[Path]:
    return sorted(course_dir.rglob("*.gift"))


def course_cues(course_dir: Path) -> CourseCues:
    cues = CourseCues(course=course_dir.name)
    for path in gift_files(course_dir):
        for question in gift.parse_gift(path.read_text(encoding="utf-8")):
            add_question(cues, question)
    return cues


def add_question(cues: CourseCues, question) -> None:
    if question.type == graders.SINGLE_CHOICE:
        right = [len(o.text) for o in question.options if o.fraction >= 0.999]
        wrong = [len(o.text) for o in question.options if o.fraction < 0.999]
        if len(right) != 1 or not wrong:
            return
        cues.single_choice += 1
        cues.correct_longest += right[0] > max(wrong)
        cues.correct_shortest += right[0] < min(wrong)
    elif question.type == graders.MULTIPLE_RESPONSE:
        cues.multi_response += 1
        if sum(o.fraction for o in question.options) > 0.001:
            cues.tick_all_positive.append(question.title)
        cues.wrong_option_counts.append(sum(1 for o in question.options if o.fraction <= 0))
    elif question.type == graders.TRUE_FALSE:
        absolute = bool(ABSOLUTE_WORDS.search(question.stem))
        if question.answer:
            cues.true_statements += 1
            cues.true_absolute += absolute
        else:
            cues.false_statements += 1
            cues.false_absolute += absolute


def final_module_coverage(course_dir: Path) -> dict[str, int]:
    """Module folder -> how many questions each final attempt draws from it (by its
    ``module-<N>`` tag), checked against the tagged questions the final's pool holds."""
    data = yaml.safe_load((course_dir / "final.yaml").read_text(encoding="utf-8"))
    pool_tags = tagged_counts(course_dir / "final.gift")
    coverage = {}
    for module_dir in sorted(p for p in course_dir.iterdir() if p.is_dir()):
        tag = f"module-{int(module_dir.name.split('-')[0])}"
        drawn = sum(int(d["count"]) for d in data.get("draws") or [] if d.get("tag") == tag)
        coverage[module_dir.name] = min(drawn, pool_tags.get(tag, 0))
    return coverage


def final_pool(course_dir: Path) -> tuple[int, dict[str, tuple[int, int]]]:
    """The final's pool size, and module folder -> (questions tagged for it, questions each
    attempt draws by its ``module-<N>`` tag)."""
    data = yaml.safe_load((course_dir / "final.yaml").read_text(encoding="utf-8"))
    from content.curriculum import _gift_chunks

    path = course_dir / "final.gift"
    size = len(_gift_chunks(path.read_text(encoding="utf-8"), path))
    tagged = tagged_counts(path)
    modules = {}
    for module_dir in sorted(p for p in course_dir.iterdir() if p.is_dir()):
        tag = f"module-{int(module_dir.name.split('-')[0])}"
        drawn = sum(int(d["count"]) for d in data.get("draws") or [] if d.get("tag") == tag)
        modules[module_dir.name] = (tagged.get(tag, 0), drawn)
    return size, modules


def tagged_counts(path: Path) -> dict[str, int]:
    from content.curriculum import _gift_chunks

    counts: dict[str, int] = {}
    for _title, _text, tags in _gift_chunks(path.read_text(encoding="utf-8"), path):
        for tag in tags:
            counts[tag] = counts.get(tag, 0) + 1
    return counts


if __name__ == "__main__":  # pragma: no cover
    import django

    django.setup()
    for course_dir in sorted(p for p in COURSES_DIR.iterdir() if p.is_dir()):
        print(course_cues(course_dir).summary())  # noqa: T201 (a command-line report)
