"""Builds Wagtail pages from the version-controlled curriculum in content/curriculum/.

Every page has a stable key recorded in CurriculumEntry. The loader creates what is
missing, publishes new revisions for changed sources only with ``update=True``, and never
touches a page whose latest revision is not its own (someone edited it since). Questions
follow the same rule through CurriculumQuestion. Lessons link to other curriculum pages
with ``[text](page:<key>)``, resolved to Wagtail page links.
See docs/curriculum-format.md for the source format.
"""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import yaml
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.models import GroupPagePermission, Page, Site

from assessments.models import Question, QuestionBank, QuizPage, QuizSlot, RubricCriterion
from assessments.selectors import draw_candidates
from assessments.services.gift_import import GiftImportError, question_bank_import_gift
from content.models import CurriculumEntry, CurriculumQuestion, HomePage, PathwayPage, StandardPage
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from training_site.accounts.roles import COORDINATORS_GROUP

CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"
BLOCK_ID_NAMESPACE = uuid.UUID("6c1d2a8e-4f0b-4c1e-9a57-0c2b3f6d7e81")
COORDINATOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
NON_LESSON_FILES = {"module.yaml", "quiz.yaml"}
QUIZ_SETTINGS = (
    "pass_mark",
    "max_attempts",
    "time_limit_minutes",
    "grading_method",
    "shuffle_questions",
    "shuffle_options",
    "review_after_close",
)


class CurriculumError(Exception):
    """A source file is malformed; the message names the file and the problem."""


PAGE_LINK_RE = re.compile(r'href="page:([a-z0-9-]+)"')
GIFT_TAG_RE = re.compile(r"\[tag:([^\]]+)\]")


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)
    # "<bank path> / <title>" of questions a coordinator edited, left as they are.
    kept_questions: list[str] = field(default_factory=list)
    # Questions no longer in the source, unpublished so draws stop offering them.
    retired_questions: list[str] = field(default_factory=list)
    # Of kept_questions, those the source no longer has: a coordinator decides whether the
    # district still wants its edited copy (the loader never unpublishes a person's work).
    dropped_questions: set[str] = field(default_factory=set)
    # Key (page) or "<bank path> / <title>" (question) -> the source's correction note,
    # for kept items whose new source revision corrects something a coordinator should merge.
    corrections: dict[str, str] = field(default_factory=dict)

    def kept_lines(self) -> list[str]:
        """One line per page or question left alone because someone edited it."""
        lines = []
        for kind, keys in (("page", self.kept_edits), ("question", self.kept_questions)):
            for key in keys:
                note = self.corrections.get(key)
                suffix = f"  [CORRECTION to merge: {note}]" if note else ""
                if key in self.dropped_questions:
                    suffix += "  [no longer in the source]"
                lines.append(f"  kept edited {kind}: {key}{suffix}")
        return lines


def markdown_to_html(text: str) -> str:
    # Markdown from our own repository; links and emphasis only, no raw HTML expected.
    return markdown.markdown(text.strip(), output_format="html")


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CurriculumError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise CurriculumError(f"{path}: expected a mapping at the top level")
    return data


def _require(data: dict, path: Path, *keys: str) -> None:
    missing = [key for key in keys if data.get(key) in (None, "")]
    if missing:
        raise CurriculumError(f"{path}: missing {', '.join(missing)}")


def _hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _block_id(key: str, index: int) -> str:
    # Deterministic ids keep learners' reflection notes attached across --update reloads.
    return str(uuid.uuid5(BLOCK_ID_NAMESPACE, f"{key}:{index}"))


def _list_value(items: list) -> list:
    return [str(item) for item in items]


def resolve_page_links(html: str, resolve, unresolved: set[str]) -> str:
    """Turn ``href="page:<key>"`` into a Wagtail page link; keys not built yet are collected
    in ``unresolved`` and left as a placeholder for the loader's second pass."""

    def replace(match: re.Match) -> str:
        page_id = resolve(match.group(1)) if resolve else None
        if page_id is None:
            unresolved.add(match.group(1))
            return f'href="#page-{match.group(1)}"'
        return f'linktype="page" id="{page_id}"'

    return PAGE_LINK_RE.sub(replace, html)


def body_stream(key: str, blocks: list, path: Path, *, resolve=None, unresolved=None) -> list[dict]:
    """Turn the YAML block list into StreamField raw data."""
    unresolved = set() if unresolved is None else unresolved

    def rich(text: str) -> str:
        return resolve_page_links(markdown_to_html(text), resolve, unresolved)

    stream = []
    for index, block in enumerate(blocks or []):
        kind = block.get("type")
        if kind == "text":
            value = rich(block["value"])
        elif kind == "heading":
            value = str(block["value"])
        elif kind == "callout":
            value = {
                "kind": block.get("kind", "tip"),
                "title": block.get("title", ""),
                "text": rich(block["text"]),
            }
        elif kind == "scenario":
            value = {
                "title": block["title"],
                "situation": rich(block["situation"]),
                "questions": _list_value(block.get("questions", [])),
            }
        elif kind == "reflection":
            value = {"prompt": str(block["prompt"]).strip()}
        elif kind == "takeaways":
            value = {"items": _list_value(block["items"])}
        elif kind == "quote":
            value = {"text": block["text"], "attribution": block.get("attribution", "")}
        elif kind == "resource":
            value = {
                "title": block["title"],
                "document": None,
                "url": block["url"],
                "description": block.get("description", ""),
            }
        else:
            raise CurriculumError(f"{path}: block {index + 1} has unknown type {kind!r}")
        stream.append({"type": kind, "value": value, "id": _block_id(key, index)})
    return stream


class Loader:
    def __init__(self, *, root: Path = CURRICULUM_DIR, update: bool = False, stdout=None):
        self.root = root
        self.update = update
        self.report = LoadReport()
        self.entries = {entry.key: entry for entry in CurriculumEntry.objects.select_related("page")}
        self.course_keys: dict[str, CoursePage] = {}
        # Lessons whose links name pages not built yet: (lesson file, module, missing keys).
        self.pending_links: list[tuple[Path, ModulePage, set[str]]] = []

    @transaction.atomic
    def load(self) -> LoadReport:
        site_data = _read_yaml(self.root / "site.yaml")
        home = self.home_page(site_data)
        index = self.sync(
            key=site_data["catalog"]["key"],
            parent=home,
            model=CourseIndexPage,
            fields={
                "title": site_data["catalog"]["title"],
                "slug": site_data["catalog"]["slug"],
                "intro": markdown_to_html(site_data["catalog"].get("intro", "")),
            },
            source=self.root / "site.yaml",
        )
        coordinator_pages_grant(index)
        for page_data in site_data.get("pages", []):
            self.sync(
                key=page_data["key"],
                parent=home,
                model=StandardPage,
                fields={
                    "title": page_data["title"],
                    "slug": page_data["slug"],
                    "intro": page_data.get("intro", ""),
                    "body": body_stream(page_data["key"], page_data.get("body", []), self.root),
                    "show_in_menus": bool(page_data.get("show_in_menus", False)),
                },
                source=self.root / "site.yaml",
            )
        course_links = []
        for course_dir in sorted(p for p in (self.root / "courses").iterdir() if p.is_dir()):
            course_links.append(self.load_course(course_dir, index))
        for course, data in course_links:
            self.link_courses(course, data)
        self.resolve_pending_links()
        if (self.root / "pathway.yaml").exists():
            pathway_data = _read_yaml(self.root / "pathway.yaml")
            self.load_pathway(pathway_data, home)
            if pathway_data.get("role"):
                self.load_role(pathway_data["role"])
        return self.report

    def load_pathway(self, data: dict, home: HomePage) -> PathwayPage:
        """The pathway page; its step links name curriculum keys of courses and lessons."""
        path = self.root / "pathway.yaml"
        page_data = data.get("page") or {}
        _require(page_data, path, "key", "title", "slug", "steps")
        steps = []
        for index, step in enumerate(page_data["steps"]):
            _require(step, path, "step", "heading", "text")
            links = []
            for key in step.get("links") or []:
                page_id = self._page_id(key)
                if page_id is None:
                    raise CurriculumError(f"{path}: step {index + 1} links to unknown curriculum key {key!r}")
                links.append(page_id)
            steps.append(
                {
                    "type": "step",
                    "id": _block_id(page_data["key"], index),
                    "value": {
                        "step": step["step"],
                        "heading": str(step["heading"]),
                        "text": markdown_to_html(step["text"]),
                        "requirements": _list_value(step.get("requirements") or []),
                        "links": links,
                    },
                }
            )
        return self.sync(
            key=page_data["key"],
            parent=home,
            model=PathwayPage,
            fields={
                "title": page_data["title"],
                "slug": page_data["slug"],
                "intro": markdown_to_html(page_data.get("intro", "")),
                "steps": steps,
            },
            source=path,
        )

    def load_role(self, data: dict) -> None:
        """The seeded target role, created once under its key. A role with that key is
        never changed again: coordinators own it from then on (and copy it for postings)."""
        from training_site.readiness.curriculum import target_role_seed

        path = self.root / "pathway.yaml"
        _require(data, path, "key", "title", "requirements")
        try:
            created = target_role_seed(data=data, page_id=self._page_id)
        except (ValueError, KeyError, ValidationError) as error:
            raise CurriculumError(f"{path}: role {data['key']}: {error}") from error
        (self.report.created if created else self.report.unchanged).append(data["key"])

    def resolve_pending_links(self) -> None:
        """Second pass: rebuild lessons that linked to pages created later in this load."""
        pending, self.pending_links = self.pending_links, []
        for path, module, missing in pending:
            unknown = sorted(key for key in missing if key not in self.entries)
            if unknown:
                raise CurriculumError(f"{path}: links to unknown curriculum key(s) {', '.join(unknown)}")
            self.load_lesson(path, module, force=True)
            if self.pending_links:
                raise CurriculumError(f"{path}: page links could not be resolved")

    def _page_id(self, key: str) -> int | None:
        entry = self.entries.get(key)
        return entry.page_id if entry is not None else None

    def home_page(self, data: dict) -> HomePage:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        root = Page.get_first_root_node()
        # Wagtail's installer leaves a plain "Welcome" page at the slug we want: move it
        # aside, build the home page, point the site at it, then delete the placeholder.
        placeholder = None
        if site is not None and site.root_page.specific_class is Page:
            placeholder = site.root_page
            if not placeholder.get_children().exists():
                placeholder.slug = f"{placeholder.slug}-placeholder"
                placeholder.save(update_fields=["slug"])
            else:
                placeholder = None
        home = self.sync(
            key=data["home"]["key"],
            parent=root,
            model=HomePage,
            fields={
                "title": data["home"]["title"],
                "slug": data["home"]["slug"],
                "intro": markdown_to_html(data["home"].get("intro", "")),
                "body": body_stream(data["home"]["key"], data["home"].get("body", []), self.root),
            },
            source=self.root / "site.yaml",
        )
        if site is None:
            Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = data["home"]["title"]
            site.save()
        if placeholder is not None:
            placeholder.delete()
        return home

    def load_course(self, course_dir: Path, index: CourseIndexPage):
        path = course_dir / "course.yaml"
        data = _read_yaml(path)
        _require(data, path, "key", "title", "slug", "summary", "hours")
        course = self.sync(
            key=data["key"],
            parent=index,
            model=CoursePage,
            fields={
                "title": data["title"],
                "slug": data["slug"],
                "summary": data["summary"].strip(),
                "outcomes": [{"type": "outcome", "value": str(o)} for o in data.get("outcomes", [])],
                "contact_hours": data["hours"],
                "level": data.get("level", "foundation"),
            },
            tags=data.get("tags", []),
            source=path,
        )
        self.course_keys[data["key"]] = course
        for module_dir in sorted(p for p in course_dir.iterdir() if p.is_dir()):
            module_path = module_dir / "module.yaml"
            module_data = _read_yaml(module_path)
            _require(module_data, module_path, "key", "title")
            module = self.sync(
                key=module_data["key"],
                parent=course,
                model=ModulePage,
                fields={
                    "title": module_data["title"],
                    "slug": module_data.get("slug") or _slug_from_dir(module_dir),
                    "summary": (module_data.get("summary") or "").strip(),
                },
                source=module_path,
            )
            for lesson_path in sorted(module_dir.glob("*.yaml")):
                if lesson_path.name in NON_LESSON_FILES:
                    continue
                self.load_lesson(lesson_path, module)
            if (module_dir / "quiz.yaml").exists():
                self.load_quiz(module_dir / "quiz.yaml", module)
        if (course_dir / "final.yaml").exists():
            self.load_quiz(course_dir / "final.yaml", course)
        return course, data

    def load_quiz(self, path: Path, parent) -> QuizPage:
        """A quiz page from its YAML settings and the GIFT file beside it.

        The questions are imported through the same GIFT importer coordinators use, into
        the bank the YAML names; only when the sources changed (or the quiz is new), and
        never over a question someone edited since the loader last published it.
        """
        data = _read_yaml(path)
        _require(data, path, "key", "title", "bank")
        gift_path = path.with_suffix(".gift")
        gift_text = gift_path.read_text(encoding="utf-8")
        digest = _hash({"yaml": data, "gift": gift_text})
        entry = self.entries.get(data["key"])
        changed = entry is None or (self.update and entry.source_hash != digest)
        if changed:
            self.import_questions(data, gift_text, gift_path)
        bank = QuestionBank.objects.get(path=data["bank"])
        slots = self.quiz_slots(data, bank, gift_text, gift_path, path)
        review = data.get("review", "correct_answers")
        fields = {
            "title": data["title"],
            "slug": data.get("slug") or ("final-assessment" if path.stem == "final" else "quiz"),
            "intro": markdown_to_html(data.get("intro", "")),
            "review_level": review,
            "required_for_completion": bool(data.get("required", False)),
            **{name: data[name] for name in QUIZ_SETTINGS if name in data},
            "slots": slots,
        }
        quiz = self.sync(
            key=data["key"],
            parent=parent,
            model=QuizPage,
            fields=fields,
            source=path,
            digest=digest,
            correction=data.get("correction"),
        )
        if changed:
            self.retire_questions(data["key"], bank, _gift_titles(gift_text, gift_path))
        return quiz

    def quiz_slots(self, data: dict, bank, gift_text: str, gift_path: Path, path: Path) -> list[QuizSlot]:
        """``draws`` (several random draws), ``draw`` (one) or every question in order."""
        if data.get("draws"):
            slots = []
            for number, draw in enumerate(data["draws"], start=1):
                if not isinstance(draw, dict) or int(draw.get("count") or 0) <= 0:
                    raise CurriculumError(f"{path}: draw {number} needs a positive count")
                draw_bank = QuestionBank.objects.filter(path=draw.get("bank") or data["bank"]).first()
                if draw_bank is None:
                    raise CurriculumError(f"{path}: draw {number} names an unknown bank {draw.get('bank')!r}")
                tag = str(draw.get("tag") or "")
                available = draw_candidates(bank_id=draw_bank.pk, tag=tag).count()
                if available < int(draw["count"]):
                    raise CurriculumError(
                        f"{path}: draw {number} asks for {draw['count']} questions but only {available} match"
                    )
                slots.append(QuizSlot(bank=draw_bank, draw_count=int(draw["count"]), tag=tag))
            return slots
        if data.get("draw"):
            return [QuizSlot(bank=bank, draw_count=int(data["draw"]))]
        titles = _gift_titles(gift_text, gift_path)
        by_title = {q.title: q for q in Question.objects.filter(bank=bank, title__in=titles)}
        return [QuizSlot(question=by_title[title]) for title in titles]

    def question_edited(self, question: Question) -> bool:
        """Someone changed the question since the loader last published it."""
        record = CurriculumQuestion.objects.filter(question=question).first()
        if record is not None:
            return question.latest_revision_id != record.revision_id
        # Sites loaded before questions were recorded: the loader saves revisions without a
        # user, so a latest revision with one is a person's edit (admin form or GIFT import).
        latest = question.latest_revision
        return latest is not None and latest.user_id is not None

    def import_questions(self, data: dict, gift_text: str, gift_path: Path) -> None:
        """Import the file question by question, skipping (and reporting) edited ones."""
        bank = QuestionBank.objects.ensure_path(data["bank"])
        corrections = data.get("corrections") or {}
        existing = {q.title: q for q in Question.objects.filter(bank=bank)}
        for title, chunk, tags in _gift_chunks(gift_text, gift_path):
            label = f"{bank.path} / {title}"
            question = existing.get(title)
            if question is not None and self.question_edited(question):
                self.report.kept_questions.append(label)
                if title in corrections:
                    self.report.corrections[label] = str(corrections[title]).strip()
                continue
            try:
                question_bank_import_gift(text=chunk, bank_path=data["bank"], tags=tags)
            except GiftImportError as error:
                raise CurriculumError(f"{gift_path}: {error}") from error
            question = Question.objects.get(bank=bank, title=title)
            self.add_rubric(data, question, gift_path)
            question.refresh_from_db()
            CurriculumQuestion.objects.update_or_create(
                question=question, defaults={"quiz_key": data["key"], "revision": question.latest_revision}
            )

    def add_rubric(self, data: dict, question: Question, gift_path: Path) -> None:
        criteria = (data.get("rubrics") or {}).get(question.title)
        if criteria is None:
            return
        marks = data.get("marks") or {}
        question.marks = marks.get(question.title, sum(c["points"] for c in criteria))
        question.rubric_criteria.set(
            [
                RubricCriterion(criterion=c["criterion"], points=c["points"], levels=c.get("levels", []))
                for c in criteria
            ]
        )
        question.save()
        errors = question.grading_errors()
        if errors:
            raise CurriculumError(f"{gift_path}: {question.title!r}: {' '.join(errors)}")
        question.save_revision().publish()

    def retire_questions(self, quiz_key: str, bank, titles: list[str]) -> None:
        """Unpublish questions the loader made for this quiz that its source no longer has,
        unless someone edited them or a quiz still uses them as a fixed question."""
        in_use = set(QuizSlot.objects.filter(question__bank=bank).values_list("question_id", flat=True))
        gone = (
            Question.objects.filter(bank=bank, live=True)
            .exclude(title__in=titles)
            .exclude(pk__in=in_use)
            .order_by("title")
        )
        for question in gone:
            if self.question_edited(question):
                label = f"{bank.path} / {question.title}"
                self.report.kept_questions.append(label)
                self.report.dropped_questions.add(label)
                continue
            question.unpublish()
            self.report.retired_questions.append(f"{bank.path} / {question.title}")

    def load_lesson(self, path: Path, module: ModulePage, *, force: bool = False) -> LessonPage:
        data = _read_yaml(path)
        _require(data, path, "key", "title", "body")
        unresolved: set[str] = set()
        body = body_stream(data["key"], data["body"], path, resolve=self._page_id, unresolved=unresolved)
        page = self.sync(
            key=data["key"],
            parent=module,
            model=LessonPage,
            fields={
                "title": data["title"],
                "slug": data.get("slug") or _slug_from_dir(path.with_suffix("")),
                "estimated_minutes": int(data.get("minutes", 15)),
                "body": body,
            },
            tags=data.get("tags", []),
            source=path,
            correction=data.get("correction"),
            force=force,
        )
        # Only a page this load published gets the second pass: an unchanged or kept page
        # keeps what it had.
        if unresolved and data["key"] in (*self.report.created, *self.report.updated):
            self.pending_links.append((path, module, unresolved))
        return page

    def link_courses(self, course: CoursePage, data: dict) -> None:
        entry = self.entries[data["key"]]
        if course.latest_revision_id != entry.revision_id:
            return
        wanted = {
            "prerequisites": [self._course(key, data) for key in data.get("prerequisites", [])],
            "recommended": [self._course(key, data) for key in data.get("recommended", [])],
        }
        current = {name: list(getattr(course, name).all()) for name in wanted}
        if {k: {c.pk for c in v} for k, v in current.items()} == {
            k: {c.pk for c in v} for k, v in wanted.items()
        }:
            return
        for name, pages in wanted.items():
            getattr(course, name).set(pages)
        self._publish(course, entry.key, entry.source_path, entry.source_hash)

    def _course(self, key: str, data: dict) -> CoursePage:
        try:
            return self.course_keys[key]
        except KeyError:
            raise CurriculumError(f"course {data['key']}: unknown course key {key!r}") from None

    def sync(
        self,
        *,
        key,
        parent,
        model,
        fields,
        source: Path,
        tags=None,
        digest: str | None = None,
        correction: str | None = None,
        force: bool = False,
    ):
        """Create, update or keep one page. ``force`` publishes a changed source without
        ``update`` (the link pass finishing a page this same load built)."""
        digest = digest or _hash({"fields": fields, "tags": tags})
        entry = self.entries.get(key)
        if entry is None:
            page = model(**fields)
            if tags is not None:
                page.tags.set(tags)
            parent.add_child(instance=page)
            self._publish(page, key, str(source.relative_to(self.root)), digest)
            self.report.created.append(key)
            return page
        page = entry.page.specific
        if page.latest_revision_id != entry.revision_id:
            if key not in self.report.kept_edits:
                self.report.kept_edits.append(key)
            if correction and entry.source_hash != digest:
                self.report.corrections[key] = str(correction).strip()
            return page
        if entry.source_hash == digest or not (self.update or force):
            self.report.unchanged.append(key)
            return page
        for name, value in fields.items():
            setattr(page, name, value)
        if tags is not None:
            page.tags.set(tags)
        self._publish(page, key, str(source.relative_to(self.root)), digest)
        if key not in self.report.created and key not in self.report.updated:
            self.report.updated.append(key)
        return page

    def _publish(self, page, key: str, source_path: str, digest: str) -> None:
        try:
            page.full_clean()
        except ValidationError as error:
            raise CurriculumError(f"{source_path}: {error}") from error
        revision = page.save_revision()
        revision.publish()
        entry, _created = CurriculumEntry.objects.update_or_create(
            key=key,
            defaults={
                "page": page.page_ptr if hasattr(page, "page_ptr") else page,
                "source_path": source_path,
                "source_hash": digest,
                "revision": revision,
            },
        )
        self.entries[key] = entry


def _gift_chunks(text: str, path: Path) -> list[tuple[str, str, list[str]]]:
    """(title, text, tags) for each question of a GIFT file.

    Tags come from Moodle-style ``// [tag:name]`` comment lines before the question.
    """
    from assessments import gift

    try:
        parsed = gift.parse_gift(text)
    except gift.GiftError as error:
        raise CurriculumError(f"{path}: {error}") from error
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    chunks = []
    previous_end = 0
    starts = [q.line - 1 for q in parsed] + [len(lines)]
    for index, question in enumerate(parsed):
        tags = []
        for line in lines[previous_end : starts[index]]:
            if line.strip().startswith("//"):
                tags.extend(tag.strip() for tag in GIFT_TAG_RE.findall(line))
        body = [
            line for line in lines[starts[index] : starts[index + 1]] if not line.startswith("$CATEGORY:")
        ]
        chunks.append((question.title, "\n".join(body), tags))
        previous_end = starts[index]
    return chunks


def _gift_titles(text: str, path: Path) -> list[str]:
    from assessments import gift

    try:
        return [q.title for q in gift.parse_gift(text)]
    except gift.GiftError as error:
        raise CurriculumError(f"{path}: {error}") from error


def _slug_from_dir(path: Path) -> str:
    name = path.name
    prefix, _sep, rest = name.partition("-")
    return rest if prefix.isdigit() and rest else name


def coordinator_pages_grant(page: Page) -> None:
    """Let training coordinators add, edit and publish pages beneath this page."""
    group = Group.objects.filter(name=COORDINATORS_GROUP).first()
    if group is None:
        return
    for codename in COORDINATOR_PAGE_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def curriculum_load(*, root: Path = CURRICULUM_DIR, update: bool = False) -> LoadReport:
    return Loader(root=root, update=update).load()
