"""Moodle XML: the pure reader and writer, the import (preview, one transaction, images,
refused DTDs) and the admin screens."""

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model

from assessments import moodle_xml
from assessments.models import Question, QuestionBank
from assessments.services.moodle_xml_import import (
    MoodleXmlImportError,
    question_bank_import_moodle_xml,
    question_bank_import_moodle_xml_preview,
)
from tests.factories import UserFactory, make_coordinator

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
TAIL = "</quiz>\n"


def question(qtype: str, body: str, *, name: str = "", stem: str = "Stem?", fmt: str = "html") -> str:
    title = f"<name><text>{name}</text></name>" if name else ""
    return (
        f'<question type="{qtype}">{title}<questiontext format="{fmt}"><text>{stem}</text></questiontext>'
        f"{body}</question>\n"
    )


def answer(fraction: str, text: str, feedback: str = "", extra: str = "") -> str:
    return (
        f'<answer fraction="{fraction}" format="html"><text>{text}</text>{extra}'
        f"<feedback><text>{feedback}</text></feedback></answer>"
    )


# A file as Moodle exports it: a category, then one question of each of the seven types,
# with Moodle's extras (penalty, combined feedback, hidden, idnumber).
SEVEN = (
    HEAD
    + '<question type="category"><category>'
    + "<text>$course$/top/Default for Course/Week 1</text></category></question>\n"
    + question(
        "multichoice",
        "<defaultgrade>2.0000000</defaultgrade><penalty>0.3333333</penalty><hidden>0</hidden>"
        "<single>true</single><shuffleanswers>true</shuffleanswers>"
        '<correctfeedback format="html"><text>Your answer is correct.</text></correctfeedback>'
        + answer("100", "no one", "Yes.")
        + answer("0", "Grant", "No."),
        name="Single",
        stem="<![CDATA[<p>Who is <b>buried</b> in Grant's tomb?</p>]]>",
    )
    + question(
        "multichoice",
        "<single>false</single>"
        + answer("50", "Listening")
        + answer("50", "Patience")
        + answer("-100", "Shouting"),
        name="Multi",
    )
    + question(
        "truefalse",
        '<answer fraction="0" format="moodle_auto_format"><text>true</text>'
        "<feedback><text>Not so.</text></feedback></answer>"
        '<answer fraction="100" format="moodle_auto_format"><text>false</text>'
        "<feedback><text>Right.</text></feedback></answer>",
        name="TF",
        fmt="moodle_auto_format",
    )
    + question(
        "shortanswer",
        "<usecase>0</usecase>" + answer("100", "Paris") + answer("50", "paris, France", "Half."),
        name="Short",
    )
    + question(
        "numerical",
        answer("100", "3.14", extra="<tolerance>0.01</tolerance>")
        + answer("0", "*", "Not pi.", extra="<tolerance>0</tolerance>"),
        name="Numeric",
    )
    + question(
        "matching",
        '<subquestion format="html"><text><![CDATA[<p>Canada</p>]]></text>'
        "<answer><text>Ottawa</text></answer></subquestion>"
        '<subquestion format="html"><text>Italy</text><answer><text>Rome</text></answer></subquestion>'
        '<subquestion format="html"><text></text><answer><text>Paris</text></answer></subquestion>',
        name="Match",
    )
    + question(
        "essay",
        '<generalfeedback format="html"><text>Look for empathy.</text></generalfeedback>'
        "<responseformat>editor</responseformat>",
        name="Essay",
    )
    + '<question type="description"><name><text>Intro</text></name>'
    + '<questiontext format="html"><text>Read this.</text></questiontext></question>\n'
    + TAIL
)

XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + "<quiz>"
    + question("essay", "", name="&xxe;")
    + TAIL
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE quiz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n' for n in range(1, 10)
    )
    + "]>\n<quiz>"
    + question("essay", "", name="&lol9;")
    + TAIL
)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def with_file(data: bytes, name: str = "pic.png") -> str:
    encoded = base64.b64encode(data).decode()
    stem = (
        '<questiontext format="html"><text>&lt;p&gt;Look: '
        f'&lt;img src="@@PLUGINFILE@@/{name}"&gt;&lt;/p&gt;</text>'
        f'<file name="{name}" path="/" encoding="base64">{encoded}</file></questiontext>'
    )
    return HEAD + f'<question type="essay"><name><text>Pictured</text></name>{stem}</question>\n' + TAIL


# --- the pure reader -------------------------------------------------------------------------


def test_seven_types_are_read_as_moodle_defines_them() -> None:
    parsed = moodle_xml.parse_moodle_xml(SEVEN.encode())
    assert [(item.number, item.question.type) for item in parsed.questions] == [
        (2, "single_choice"),
        (3, "multiple_response"),
        (4, "true_false"),
        (5, "short_answer"),
        (6, "numeric"),
        (7, "matching"),
        (8, "essay"),
    ]
    by_title = {item.question.title: item.question for item in parsed.questions}
    assert {q.category for q in by_title.values()} == {"Default for Course/Week 1"}
    assert by_title["Single"].marks == 2.0
    assert [(o.text, o.fraction, o.feedback) for o in by_title["Single"].options] == [
        ("no one", 1.0, "Yes."),
        ("Grant", 0.0, "No."),
    ]
    assert [o.fraction for o in by_title["Multi"].options] == [0.5, 0.5, -1.0]
    tf = by_title["TF"]
    assert (tf.answer, tf.feedback_true, tf.feedback_false, tf.stem_format) == (
        False,
        "Not so.",
        "Right.",
        "moodle",
    )
    assert [(a.text, a.fraction) for a in by_title["Short"].answers] == [
        ("Paris", 1.0),
        ("paris, France", 0.5),
    ]
    numeric = by_title["Numeric"]
    assert [(a.value, a.tolerance) for a in numeric.answers] == [(3.14, 0.01)]
    assert numeric.wrong_feedback == "Not pi."
    assert (by_title["Match"].pairs, by_title["Match"].distractors) == (
        [("Canada", "Ottawa"), ("Italy", "Rome")],
        ["Paris"],
    )
    assert by_title["Essay"].general_feedback == "Look for empathy."


def test_what_is_ignored_or_skipped_is_a_warning_naming_the_element() -> None:
    """Penalties and combined feedback are ignored, a description skipped: each said."""
    warnings = [str(w) for w in moodle_xml.parse_moodle_xml(SEVEN.encode()).warnings]
    assert (
        'question 2 (<question type="multichoice">): '
        "ignored (no place for it here): <penalty>, <correctfeedback>" in warnings
    )
    assert any(
        w.startswith('question 9 (<question type="description">)') and "skipped" in w for w in warnings
    )


def test_problems_name_the_question_and_the_answer() -> None:
    text = (
        HEAD
        + question("numerical", answer("100", "3") + answer("50", "three"), name="N")
        + question("multichoice", "<single>true</single>" + answer("100", "a") + answer("150", "b"), name="M")
        + TAIL
    )
    with pytest.raises(moodle_xml.MoodleXmlError) as error:
        moodle_xml.parse_moodle_xml(text)
    assert [str(p) for p in error.value.errors] == [
        "question 1 (<question type=\"numerical\">), <answer> 2: answer 'three' is not a number",
        'question 2 (<question type="multichoice">), <answer> 2: fraction 150 is outside -100..100',
    ]


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtds_and_entities_are_refused(payload: str) -> None:
    with pytest.raises(moodle_xml.MoodleXmlError, match="DTD"):
        moodle_xml.parse_moodle_xml(payload.encode())


def test_not_xml_and_not_a_quiz_are_errors() -> None:
    with pytest.raises(moodle_xml.MoodleXmlError, match="line 1, column"):
        moodle_xml.parse_moodle_xml("<quiz><question>")
    with pytest.raises(moodle_xml.MoodleXmlError, match="starts with <quiz>"):
        moodle_xml.parse_moodle_xml("<questions/>")


def test_dump_is_canonical_and_reads_back_the_same() -> None:
    questions = [item.question for item in moodle_xml.parse_moodle_xml(SEVEN).questions]
    text = moodle_xml.dump_moodle_xml(questions)
    again = [item.question for item in moodle_xml.parse_moodle_xml(text).questions]
    assert again == questions
    assert moodle_xml.dump_moodle_xml(again) == text


def test_dump_escapes_markup_and_refuses_what_xml_cannot_hold() -> None:
    from assessments import gift

    q = gift.GiftQuestion(type="essay", title="]]> & <b>", stem="<p>a\r\nb\rc</p>", category="x")
    text = moodle_xml.dump_moodle_xml([q])
    assert "<text>]]&gt; &amp; &lt;b&gt;</text>" in text
    assert moodle_xml.parse_moodle_xml(text).questions[0].question.stem == "<p>a\nb\rc</p>"
    with pytest.raises(ValueError, match="control characters"):
        moodle_xml.dump_moodle_xml([gift.GiftQuestion(type="essay", title="a\x00", stem="s")])


# --- the import --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_the_seven_types_in_the_category_bank() -> None:
    report = question_bank_import_moodle_xml(data=SEVEN)
    assert len(report.created) == 7
    bank = QuestionBank.objects.get(path="default-for-course/week-1")
    assert bank.questions.count() == 7
    single = Question.objects.get(title="Single")
    assert "<b>buried</b>" in single.stem
    assert single.marks == 2
    assert list(single.options.values_list("feedback", flat=True)) == ["Yes.", "No."]
    again = question_bank_import_moodle_xml(data=SEVEN)
    assert (again.created, len(again.updated)) == ([], 7)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_refused_payloads_import_nothing(payload: str, admin_client) -> None:
    with pytest.raises(MoodleXmlImportError):
        question_bank_import_moodle_xml(data=payload)
    upload = SimpleUploadedFile("evil.xml", payload.encode())
    response = admin_client.post(reverse("moodle_xml:import"), {"file": upload})
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    confirm = admin_client.post(reverse("moodle_xml:import"), {"confirm": "1", "text": payload})
    assert confirm.status_code == 200
    assert not Question.objects.exists()
    assert "root:" not in response.content.decode()


@pytest.mark.django_db
def test_one_bad_question_imports_nothing() -> None:
    text = (
        HEAD
        + question("essay", "", name="Good")
        + question("numerical", answer("100", "x"), name="Bad")
        + TAIL
    )
    with pytest.raises(MoodleXmlImportError) as error:
        question_bank_import_moodle_xml(data=text)
    assert error.value.problems == [
        "question 2 (<question type=\"numerical\">), <answer> 1: answer 'x' is not a number",
        'question 2 (<question type="numerical">): no answer is worth 100%, so no response gets full marks',
    ]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_rich_text_is_cleaned_by_the_whitelister() -> None:
    stem = (
        "&lt;p onclick=&quot;x()&quot;&gt;Hi &lt;script&gt;alert(1)&lt;/script&gt;"
        "&lt;a href=&quot;javascript:x&quot;&gt;l&lt;/a&gt;&lt;/p&gt;"
    )
    question_bank_import_moodle_xml(data=HEAD + question("essay", "", name="E", stem=stem) + TAIL)
    stored = Question.objects.get().stem
    assert "script" not in stored and "onclick" not in stored and "javascript" not in stored
    assert "Hi" in stored


@pytest.mark.django_db
def test_untitled_and_repeated_questions_are_named_as_for_gift() -> None:
    text = HEAD + question("essay", "", stem="Same text") + question("essay", "", stem="Same text") + TAIL
    preview = question_bank_import_moodle_xml_preview(data=text)
    assert [row["title"] for row in preview.rows] == ["Same text", "Same text (2)"]
    assert any(w.startswith('question 2 (<question type="essay">)') and "(2)" in w for w in preview.warnings)


@pytest.mark.django_db
def test_embedded_images_become_wagtail_images() -> None:
    preview = question_bank_import_moodle_xml_preview(data=with_file(png_bytes()))
    assert preview.rows[0]["images"] == 1
    assert get_image_model().objects.count() == 0
    question_bank_import_moodle_xml(data=with_file(png_bytes()))
    image = get_image_model().objects.get()
    assert (image.title, image.width, image.height) == ("pic.png", 4, 3)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 not an image", "not an image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not an image"),
    ],
)
def test_files_that_are_not_images_are_refused_with_their_element(data: bytes, message: str) -> None:
    with pytest.raises(MoodleXmlImportError) as error:
        question_bank_import_moodle_xml(data=with_file(data, name="evil.png"))
    where = '<question type="essay">), <questiontext> <file name="evil.png"> 1'
    assert error.value.problems == [f"question 1 ({where}: {message} (PNG, JPEG, GIF or WebP)."]
    assert not Question.objects.exists()
    assert get_image_model().objects.count() == 0


@pytest.mark.django_db
def test_bad_base64_is_an_error_at_its_element() -> None:
    text = with_file(b"x").replace(base64.b64encode(b"x").decode(), "!!not base64!!")
    with pytest.raises(MoodleXmlImportError) as error:
        question_bank_import_moodle_xml(data=text)
    where = 'question 1 (<question type="essay">), <questiontext> <file name="pic.png"> 1'
    assert error.value.problems == [f"{where}: the file is not valid base64"]


# --- the admin screens -----------------------------------------------------------------------


@pytest.fixture
def coordinator_client():
    client = Client()
    client.force_login(make_coordinator())
    return client


@pytest.mark.django_db
def test_preview_writes_nothing_and_confirm_imports(coordinator_client) -> None:
    url = reverse("moodle_xml:import")
    response = coordinator_client.post(
        url, {"file": SimpleUploadedFile("q.xml", SEVEN.encode()), "bank": "", "tags": ""}
    )
    content = response.content.decode()
    assert response.status_code == 200 and "Import 7 questions" in content
    assert "&lt;penalty&gt;" in content
    assert not Question.objects.exists()
    confirm = coordinator_client.post(url, {"confirm": "1", "text": SEVEN, "bank": "moodle", "tags": "week1"})
    assert confirm.status_code == 302
    assert Question.objects.filter(bank__path="moodle").count() == 7


@pytest.mark.django_db
def test_tampered_confirm_is_400_and_oversized_upload_a_form_error(coordinator_client) -> None:
    url = reverse("moodle_xml:import")
    assert coordinator_client.post(url, {"confirm": "1", "text": SEVEN, "bank": "x" * 401}).status_code == 400
    big = SimpleUploadedFile("big.xml", b" " * (1024 * 1024 + 1))
    response = coordinator_client.post(url, {"file": big})
    assert response.status_code == 200 and "larger than 1 MB" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_export_round_trips_and_downloads(coordinator_client) -> None:
    question_bank_import_moodle_xml(data=SEVEN)
    response = coordinator_client.get(reverse("moodle_xml:export"), {"bank": "", "tags": "", "download": "1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    parsed = moodle_xml.parse_moodle_xml(response.content)
    assert len(parsed.questions) == 7


@pytest.mark.django_db
def test_learners_and_visitors_cannot_use_the_screens() -> None:
    learner = Client()
    learner.force_login(UserFactory())
    for name in ("moodle_xml:import", "moodle_xml:export"):
        url = reverse(name)
        response = learner.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
        assert Client(raise_request_exception=False).get(url).status_code == 302
    response = learner.post(reverse("moodle_xml:import"), {"confirm": "1", "text": SEVEN})
    assert response.status_code == 302
    assert not Question.objects.exists()
