"""Tests for assessments.gift: every GIFT construct, every reported error, and round trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import graders
from assessments.gift import (
    BLANK,
    GiftAnswer,
    GiftError,
    GiftNumericAnswer,
    GiftOption,
    GiftProblem,
    GiftQuestion,
    dump_gift,
    parse_gift,
    to_grading_data,
)

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_one(text: str) -> GiftQuestion:
    questions = parse_gift(text)
    assert len(questions) == 1, questions
    return questions[0]


def problems_of(text: str) -> list[GiftProblem]:
    with pytest.raises(GiftError) as info:
        parse_gift(text)
    return info.value.errors


def single_problem(text: str) -> GiftProblem:
    errors = problems_of(text)
    assert len(errors) == 1, errors
    return errors[0]


# --- structure: titles, comments, categories, separation ----------------------------------


def test_title_is_read_and_stripped() -> None:
    """'::title::' names the question; the stem follows it."""
    question = parse_one("::Grant's tomb:: Who is buried in Grant's tomb? {=no one ~Grant}")
    assert question.title == "Grant's tomb"
    assert question.stem == "Who is buried in Grant's tomb?"


def test_empty_title_is_allowed() -> None:
    """'::::' is an empty title, not an error."""
    assert parse_one("::::Stem {T}").title == ""


def test_title_may_contain_escaped_colons() -> None:
    """An escaped colon does not end the title."""
    assert parse_one(r"::Ratio 1\:2:: Stem {T}").title == "Ratio 1:2"


def test_no_title_means_empty_title() -> None:
    """A question without '::' has an empty title."""
    assert parse_one("Stem {T}").title == ""


def test_comment_lines_are_ignored_anywhere() -> None:
    """'//' lines are dropped before, between and inside questions."""
    text = "// header\n  // indented comment\nStem line one\n// inside\nline two {\n// in block\n=a\n~b\n}"
    question = parse_one(text)
    assert question.stem == "Stem line one\nline two"
    assert [o.text for o in question.options] == ["a", "b"]


def test_comment_only_file_has_no_questions() -> None:
    """A file of comments and blank lines parses to an empty list."""
    assert parse_gift("// nothing\n\n// here\n") == []
    assert parse_gift("") == []


def test_questions_are_separated_by_blank_lines() -> None:
    """Blank (or whitespace-only) lines separate questions; each records its first line."""
    questions = parse_gift("First {T}\n\n   \nSecond {F}\n\n\n::T3::\nThird {=x}\n")
    assert [q.stem for q in questions] == ["First", "Second", "Third"]
    assert [q.line for q in questions] == [1, 4, 7]


def test_multi_line_question() -> None:
    """A question may span lines; lines are stripped and joined with newlines."""
    question = parse_one("::Q::\n  What is\n  the answer?\n{\n  =yes  #Right\n  ~no\n}\n")
    assert question.stem == "What is\nthe answer?"
    assert question.options == [GiftOption("yes", 1.0, "Right"), GiftOption("no", 0.0, "")]


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("$CATEGORY: $course$/top/conflict-resolution/module-2", "conflict-resolution/module-2"),
        ("$CATEGORY: top/conflict-resolution", "conflict-resolution"),
        ("$CATEGORY: $course$/conflict-resolution", "conflict-resolution"),
        ("$CATEGORY:conflict-resolution/module-2", "conflict-resolution/module-2"),
        ("$CATEGORY: $system$/top/Shared bank/", "Shared bank"),
        ("$CATEGORY: $course$/top", None),
        ("$CATEGORY: topics", "topics"),
    ],
)
def test_category_prefixes_are_stripped(line: str, category: str | None) -> None:
    """$CATEGORY drops a Moodle context and a leading 'top'; an empty path means None."""
    assert parse_one(f"{line}\n\nStem {{T}}").category == category


def test_category_applies_until_changed() -> None:
    """A category applies to every following question until the next $CATEGORY line."""
    text = "Q0 {T}\n\n$CATEGORY: a\n\nQ1 {T}\n\nQ2 {T}\n$CATEGORY: b/c\nQ3 {T}"
    assert [q.category for q in parse_gift(text)] == [None, "a", "a", "b/c"]


# --- multiple choice ----------------------------------------------------------------------


def test_multiple_choice_with_feedback() -> None:
    """'=' marks the right answer, '~' wrong ones, '#' gives per-answer feedback."""
    question = parse_one("Who is buried? {~Grant#No, he is not alone. ~Jefferson =no one#Right!}")
    assert question.type == "single_choice"
    assert question.options == [
        GiftOption("Grant", 0.0, "No, he is not alone."),
        GiftOption("Jefferson", 0.0, ""),
        GiftOption("no one", 1.0, "Right!"),
    ]


def test_general_feedback() -> None:
    """'####' starts the general feedback, shown whatever the answer."""
    question = parse_one("Stem {=a#fa ~b####Read chapter 2.}")
    assert question.general_feedback == "Read chapter 2."
    assert question.options[0].feedback == "fa"


def test_weights_in_single_choice() -> None:
    """With an '=' answer, '~%50%' gives partial credit and the question stays single choice."""
    question = parse_one("Stem {=best ~%50%ok ~%-25%bad ~wrong}")
    assert question.type == "single_choice"
    assert [o.fraction for o in question.options] == [1.0, 0.5, -0.25, 0.0]


def test_all_tilde_with_several_positive_weights_is_multiple_response() -> None:
    """Only '~' answers with more than one positive weight make a multiple-response question."""
    question = parse_one(
        "Which two?{\n~%50%Grant\n~%50%Grant's wife\n~%-100%No one\n~%-100%Grant's father\n}"
    )
    assert question.type == "multiple_response"
    assert [o.fraction for o in question.options] == [0.5, 0.5, -1.0, -1.0]


def test_single_positive_weight_with_a_negative_is_multiple_response() -> None:
    """A negative weight makes a multiple-response question even with one right answer."""
    question = parse_one("Stem {~%100%right ~%-50%wrong ~neutral}")
    assert question.type == "multiple_response"


def test_tilde_only_choices_are_multiple_response_as_in_moodle() -> None:
    """Without '=', Moodle makes a multiple-answer question even when one answer is worth
    100% (qformat_gift: single = 0 when the answers hold no '='); so do we."""
    question = parse_one("Stem {~%100%right ~wrong ~other}")
    assert question.type == "multiple_response"
    assert [o.fraction for o in question.options] == [1.0, 0.0, 0.0]


def test_thirds_are_accepted() -> None:
    """Weights of 33.333% add up to 100% within the allowed tolerance."""
    question = parse_one("Stem {~%33.333%a ~%33.333%b ~%33.334%c ~%-100%d}")
    assert question.type == "multiple_response"
    assert question.options[0].fraction == pytest.approx(0.33333)


def test_equals_with_full_weight_is_accepted() -> None:
    """'=%100%' is redundant but valid."""
    assert parse_one("Stem {=%100%a ~b}").options[0].fraction == 1.0


# --- true / false -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "answer"), [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False)]
)
def test_true_false_words(block: str, answer: bool) -> None:
    """T, TRUE, F and FALSE make a true/false question."""
    question = parse_one(f"The sun rises in the east. {block}")
    assert question.type == "true_false"
    assert question.answer is answer


def test_lowercase_true_is_a_short_answer() -> None:
    """As in Moodle, the true/false words are case-sensitive: {true} is a short answer."""
    assert parse_one("Stem {true}").type == "short_answer"


def test_true_false_feedback_for_a_true_statement() -> None:
    """{T#first#second}: the first text is for a wrong answer (False), the second for True."""
    question = parse_one("The sun rises in the east.{T#Look outside at dawn.#Correct.####Always}")
    assert question.feedback_false == "Look outside at dawn."
    assert question.feedback_true == "Correct."
    assert question.general_feedback == "Always"


def test_true_false_feedback_for_a_false_statement() -> None:
    """{F#first#second}: the first text is for a wrong answer (True), the second for False."""
    question = parse_one("The moon is made of cheese.{FALSE#No, it is rock.#Right.}")
    assert question.feedback_true == "No, it is rock."
    assert question.feedback_false == "Right."


def test_true_false_feedback_may_hold_equals_and_tilde() -> None:
    """Feedback after T/F is free text up to the next '#'."""
    question = parse_one("Stem {T#Yes, 2=2 ~ obviously}")
    assert question.feedback_false == "Yes, 2=2 ~ obviously"


# --- short answer -------------------------------------------------------------------------


def test_short_answer_with_weights_and_feedback() -> None:
    """'=a =b' are accepted answers; '%50%' gives partial credit; '#' feedback."""
    question = parse_one("Who is buried? {=no one =nobody#Also right =%50%Grant*#Half}")
    assert question.type == "short_answer"
    assert question.answers == [
        GiftAnswer("no one", 1.0, ""),
        GiftAnswer("nobody", 1.0, "Also right"),
        GiftAnswer("Grant*", 0.5, "Half"),
    ]


def test_short_answer_single_equals_is_not_a_choice() -> None:
    """A lone '=' answer is a short answer, not a single choice (as in Moodle)."""
    assert parse_one("Capital of France? {=Paris}").type == "short_answer"


def test_short_answer_without_equals() -> None:
    """'{Paris}' without a marker is a short answer, as in Moodle."""
    question = parse_one("Capital of France? {Paris}")
    assert question.type == "short_answer"
    assert question.answers == [GiftAnswer("Paris", 1.0, "")]


def test_short_answer_keeps_wildcard_escape_for_the_grader() -> None:
    """'\\*' is not a GIFT escape: it reaches the grader, where it means a literal star."""
    assert parse_one(r"Product? {=5\*3}").answers[0].text == r"5\*3"


# --- matching -----------------------------------------------------------------------------


def test_matching_pairs() -> None:
    """'=left -> right' pairs make a matching question."""
    question = parse_one(
        "Match the capitals. {\n=Canada -> Ottawa\n=Italy -> Rome\n=Japan -> Tokyo\n####Geo}"
    )
    assert question.type == "matching"
    assert question.pairs == [("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo")]
    assert question.general_feedback == "Geo"
    assert question.distractors == []


def test_matching_two_pairs_are_enough() -> None:
    """Two pairs are accepted (Moodle asks for three)."""
    assert len(parse_one("Match {=a -> 1 =b -> 2}").pairs) == 2


def test_matching_distractor() -> None:
    """'= -> text' with an empty left side is an extra right-hand choice."""
    question = parse_one("Match {=a -> 1 =b -> 2 = -> 3}")
    assert question.distractors == ["3"]


def test_matching_right_side_may_contain_arrow() -> None:
    """Only the first '->' splits a pair."""
    assert parse_one("Match {=a -> x->y =b -> 2}").pairs[0] == ("a", "x->y")


def test_tilde_answer_may_contain_arrow() -> None:
    """'->' in a wrong choice does not make a matching question."""
    question = parse_one("Stem {=yes ~a -> b}")
    assert question.type == "single_choice"
    assert question.options[1].text == "a -> b"


# --- numeric ------------------------------------------------------------------------------


def test_numeric_value_and_tolerance() -> None:
    """'{#3.14:0.01}' is a value with a tolerance."""
    question = parse_one("What is pi to two places? {#3.14:0.01}")
    assert question.type == "numeric"
    assert question.answers == [GiftNumericAnswer(value=3.14, tolerance=0.01)]


def test_numeric_value_without_tolerance() -> None:
    """'{#1822}' has tolerance 0."""
    assert parse_one("Year? {#1822}").answers == [GiftNumericAnswer(value=1822.0, tolerance=0.0)]


def test_numeric_range() -> None:
    """'{#1..5}' is an inclusive range, kept as min and max."""
    answer = parse_one("Pick 1 to 5 {#1..5}").answers[0]
    assert isinstance(answer, GiftNumericAnswer)
    assert (answer.min, answer.max, answer.is_range) == (1.0, 5.0, True)


def test_numeric_negative_numbers_and_exponents() -> None:
    """Negative values, negative ranges and exponents are numbers."""
    question = parse_one("Stem {# =-5..-1 =%50%-2.5e1:1e-1}")
    assert question.answers == [
        GiftNumericAnswer(min=-5.0, max=-1.0),
        GiftNumericAnswer(value=-25.0, tolerance=0.1, fraction=0.5),
    ]


def test_numeric_multiple_answers_with_weights_and_feedback() -> None:
    """'{# =2:0 =%50%2:1 }' gives several answers with weights and feedback."""
    question = parse_one("1 + 1? {#\n=2:0#Exactly.\n=%50%2:1#Close.\n~#Count again.\n####Sums}")
    assert question.answers == [
        GiftNumericAnswer(value=2.0, tolerance=0.0, fraction=1.0, feedback="Exactly."),
        GiftNumericAnswer(value=2.0, tolerance=1.0, fraction=0.5, feedback="Close."),
    ]
    assert question.wrong_feedback == "Count again."
    assert question.general_feedback == "Sums"


def test_numeric_feedback_without_equals() -> None:
    """A single numeric answer may carry feedback without '='."""
    assert parse_one("Stem {#3:1#Near enough}").answers[0].feedback == "Near enough"


# --- essay and missing word ---------------------------------------------------------------


def test_essay() -> None:
    """'{}' is an essay; '{####text}' an essay with general feedback."""
    assert parse_one("Describe a conflict. {}").type == "essay"
    question = parse_one("Describe a conflict. {\n####Look for empathy.\n}")
    assert question.type == "essay"
    assert question.general_feedback == "Look for empathy."


def test_missing_word_choice() -> None:
    """Braces inside the sentence make a missing-word question with '_____' in the stem."""
    question = parse_one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert question.blank is True
    assert question.type == "single_choice"
    assert question.stem == f"Grant is {BLANK} in Grant's tomb."


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The capital of France is {=Paris} of course.", "short_answer"),
        ("Two plus two is {#4} exactly.", "numeric"),
        ("{=Paris} is the capital of France.", "short_answer"),
    ],
)
def test_missing_word_other_types(text: str, kind: str) -> None:
    """Short-answer and numeric questions can be missing-word questions too."""
    question = parse_one(text)
    assert (question.type, question.blank) == (kind, True)
    assert BLANK in question.stem


def test_answer_block_at_the_end_is_not_missing_word() -> None:
    """Braces at the very end leave the stem as written, without a blank."""
    question = parse_one("Grant is buried in Grant's tomb. {T}")
    assert question.blank is False
    assert question.stem == "Grant is buried in Grant's tomb."


# --- formats, escapes, encodings ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "markdown", "plain", "moodle"])
def test_stem_format_tags(fmt: str) -> None:
    """'[html]', '[markdown]', '[plain]' and '[moodle]' set the stem format."""
    question = parse_one(f"::T::[{fmt}]<b>Bold</b> stem {{T}}")
    assert question.stem_format == fmt
    assert question.stem == "<b>Bold</b> stem"


def test_default_format_is_moodle() -> None:
    """Without a tag the stem format is 'moodle'."""
    assert parse_one("Stem {T}").stem_format == "moodle"


def test_format_tags_are_case_insensitive() -> None:
    """'[HTML]' is read as html."""
    assert parse_one("[HTML]<p>x</p>{T}").stem_format == "html"


def test_format_tags_on_answers_and_feedback_are_removed() -> None:
    """Tags on answers and feedback are validated and removed; the text stays raw."""
    question = parse_one("[html]Stem {=[html]<b>yes</b>#[markdown]**good** ~no####[plain]Gen}")
    assert question.options[0] == GiftOption("<b>yes</b>", 1.0, "**good**")
    assert question.general_feedback == "Gen"


def test_moodle_tag_lets_a_text_start_with_a_bracketed_word() -> None:
    """'[moodle][Note] ...' keeps '[Note]' as text."""
    assert parse_one("[moodle][Note] Read this. {T}").stem == "[Note] Read this."


def test_escapes() -> None:
    """'\\~ \\= \\# \\{ \\} \\: \\\\' are literal characters and '\\n' is a newline."""
    question = parse_one(r"::a\:b:: 1\~2 \= \#3 \{x\} a\:b c\\d line\nbreak {=\{\=\}#\#}")
    assert question.title == "a:b"
    assert question.stem == "1~2 = #3 {x} a:b c\\d line\nbreak"
    assert question.answers == [GiftAnswer("{=}", 1.0, "#")]


def test_escaped_backslash_before_n_is_not_a_newline() -> None:
    """'\\\\n' is a backslash followed by the letter n."""
    assert parse_one(r"C\:\\new {T}").stem == "C:\\new"


def test_unknown_backslash_sequences_are_kept() -> None:
    """A backslash before an ordinary character stays as written."""
    assert parse_one(r"Path a\b\c {T}").stem == r"Path a\b\c"


def test_windows_line_endings_and_bom() -> None:
    """CRLF and CR line endings and a UTF-8 byte-order mark are accepted."""
    text = "\ufeff// c\r\n::A::Q1 {\r\n=a\r\n~b\r\n}\r\n\r\n::B::Q2 {T}\rmore {F}\r\r"
    with pytest.raises(GiftError):
        parse_gift(text)  # "more {F}" on the next line is a second question without a gap
    questions = parse_gift(text.replace("\rmore {F}", ""))
    assert [q.title for q in questions] == ["A", "B"]
    assert questions[0].options[1].text == "b"
    assert [q.line for q in questions] == [2, 7]


# --- errors -------------------------------------------------------------------------------


def test_unclosed_brace() -> None:
    """An unclosed '{' is reported at its line, and a blank line ends the question."""
    problem = single_problem("Q1 {T}\n\n::Q2::\nStem {\n=a\n~b\n\nQ3 {T}")
    assert problem.line == 4
    assert "unclosed '{'" in problem.message


def test_brace_opened_twice() -> None:
    """A second '{' before the first is closed is reported at the first '{'."""
    problem = single_problem("Stem {=a ~b\n{=c ~d}")
    assert problem.line == 1
    assert "unclosed '{'" in problem.message
    assert "next '{'" in problem.message


def test_unmatched_closing_brace() -> None:
    """A '}' without a '{' before it is reported at its line."""
    problem = single_problem("::T::\nStem } oops\n{T}")
    assert problem.line == 2
    assert "unmatched '}'" in problem.message


def test_unmatched_closing_brace_after_the_block() -> None:
    """A stray '}' after the answer block is reported too."""
    problem = single_problem("Stem {=a} and }")
    assert "unmatched '}'" in problem.message


def test_text_without_answer_block_is_skipped_with_a_warning() -> None:
    """Text with no braces (Moodle's description item) is skipped and reported at its line."""
    warnings: list[GiftProblem] = []
    questions = parse_gift("Q1 {T}\n\n::Intro::\nJust some text.\n\nQ2 {F}", warnings=warnings)
    assert [q.stem for q in questions] == ["Q1", "Q2"]
    assert [(w.line, "description" in w.message) for w in warnings] == [(3, True)]


def test_choice_without_correct_answer() -> None:
    """A choice question with no '=' and no positive weight has no correct answer."""
    problem = single_problem("\n::Q:: Stem {~a ~b ~%-50%c}")
    assert problem.line == 2
    assert "no correct answer" in problem.message


@pytest.mark.parametrize(
    ("block", "phrase"),
    [
        ("{=a ~%abc%b}", "is not a number"),
        ("{=a ~%%b}", "is not a number"),
        ("{=a ~%150%b}", "outside -100..100"),
        ("{=a ~%-101%b}", "outside -100..100"),
        ("{=%x%a =b}", "is not a number"),
    ],
)
def test_bad_weights(block: str, phrase: str) -> None:
    """Weights must be numbers within -100..100."""
    problem = single_problem(f"Q1 {{T}}\n\nStem\n{block}")
    assert problem.line == 4
    assert phrase in problem.message


@pytest.mark.parametrize(
    ("block", "phrase"),
    [
        ("{#abc}", "is not a number"),
        ("{#3.14:x}", "is not a number"),
        ("{#1,5}", "is not a number"),
        ("{#nan}", "is not a number"),
        ("{#1e999}", "out of range"),
        ("{#5..1}", "minimum 5 is greater than maximum 1"),
        ("{#3:-1}", "negative tolerance"),
        ("{#}", "no answers"),
        ("{#=1 ~Wrong}", "'~' only introduces feedback"),
        ("{#=%0%1 =2}", "above 0%"),
    ],
)
def test_bad_numeric_answers(block: str, phrase: str) -> None:
    """Numeric answers must be numbers, ranges must be ordered, tolerances not negative."""
    problem = single_problem(f"Q1 {{T}}\n\n::N::{block}")
    assert problem.line == 3
    assert phrase in problem.message


def test_numeric_error_reports_the_answer_line() -> None:
    """An error in one numeric answer names that answer's line."""
    problem = single_problem("Stem {#\n=1:0\n=2..1\n}")
    assert problem.line == 3


def test_matching_pair_without_arrow() -> None:
    """In a matching question every '=' answer needs '->'."""
    problem = single_problem("Match {\n=a -> 1\n=b\n=c -> 3\n}")
    assert problem.line == 3
    assert "without '->'" in problem.message


def test_matching_needs_two_pairs() -> None:
    """A matching question with one pair is refused."""
    problem = single_problem("::M:: Match {=a -> 1 = -> 2}")
    assert problem.line == 1
    assert "at least 2 pairs" in problem.message


def test_matching_mixed_with_choices() -> None:
    """'->' pairs cannot be mixed with '~' answers."""
    problem = single_problem("Match {\n=a -> 1\n=b -> 2\n~c\n}")
    assert problem.line == 4
    assert "cannot mix" in problem.message


def test_matching_pair_feedback_is_refused() -> None:
    """Matching pairs take no '#' feedback."""
    assert "no '#' feedback" in single_problem("Match {=a -> 1#x =b -> 2}").message


def test_unknown_format_on_stem_is_kept_as_text_with_a_warning() -> None:
    """An unknown '[word]' stays part of the text, as in Moodle, with a warning at its line."""
    warnings: list[GiftProblem] = []
    question = parse_gift("::T::\n[foo]Stem {T}", warnings=warnings)[0]
    assert (question.stem, question.stem_format) == ("[foo]Stem", "moodle")
    assert [(w.line, "unknown format [foo]" in w.message) for w in warnings] == [(2, True)]


def test_unknown_format_on_answer_is_kept_as_text_with_a_warning() -> None:
    """Format tags on answers are checked too."""
    warnings: list[GiftProblem] = []
    question = parse_gift("Stem {\n=a\n~[rtf]b\n}", warnings=warnings)[0]
    assert [o.text for o in question.options] == ["a", "[rtf]b"]
    assert [(w.line, "unknown format [rtf]" in w.message) for w in warnings] == [(3, True)]


def test_text_after_answer_block_on_a_later_line() -> None:
    """Text after the block on a later line is reported: questions need a blank line between."""
    problem = single_problem("Q1 {T}\nQ2 is here")
    assert problem.line == 2
    assert "text after the answer block" in problem.message


def test_second_answer_block() -> None:
    """A second answer block in one question is reported at its line."""
    problem = single_problem("Fill {=a} and {=b}")
    assert problem.line == 1
    assert "second answer block" in problem.message


def test_question_without_gap_before_next() -> None:
    """Two questions without a blank line between them are reported at the second."""
    problem = single_problem("Q1 {T}\nQ2 {F}")
    assert problem.line == 2
    assert "text after the answer block" in problem.message


@pytest.mark.parametrize("text", ["Match {=a -> 1 =b -> 2} please.", "Write {} words."])
def test_matching_and_essay_cannot_be_missing_word(text: str) -> None:
    """Text after the block is only allowed for missing-word question types."""
    assert "text after the answer block" in single_problem(text).message


def test_unterminated_title() -> None:
    """'::abc' without a closing '::' is reported at the question's first line."""
    problem = single_problem("Q1 {T}\n\n::abc Stem {T}")
    assert problem.line == 3
    assert "unterminated title" in problem.message


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Stem {~a}", "at least 2 answers"),
        ("Stem {=a ~}", "empty answer"),
        ("Stem {=%50%a ~b}", "'=' marks a fully correct answer"),
        ("Stem {~%50%a ~b}", "add up to 50%"),
        ("Stem {~%50%a ~%40%b ~c}", "add up to 90%"),
        ("Stem {=%50%a =%40%b}", "no answer is worth 100%"),
        ("Stem {=%-10%a =b}", "above 0%"),
        ("Stem {x ~a =b}", "before the first"),
    ],
)
def test_other_answer_errors(text: str, phrase: str) -> None:
    """Malformed choices and short answers are reported with a clear message."""
    assert any(phrase in problem.message for problem in problems_of(text)), problems_of(text)


def test_all_errors_in_a_file_are_collected() -> None:
    """Every problem in the file is reported, in line order, as 'line N: message'."""
    text = "Good {T}\n\nBad {~a ~b}\n\nAlso good {=x}\n\n::oops\n\nQ {=%x%a}\n\nQ {#x}"
    with pytest.raises(GiftError) as info:
        parse_gift(text)
    lines = [problem.line for problem in info.value.errors]
    assert lines == [3, 7, 9, 11]
    rendered = str(info.value).splitlines()
    assert rendered[0].startswith("line 3: no correct answer")
    assert rendered[1].startswith("line 7: unterminated title")
    assert len(rendered) == 4


def test_gift_error_is_a_value_error() -> None:
    """GiftError is a ValueError, so generic import code can catch it."""
    with pytest.raises(ValueError, match="line 1: unclosed"):
        parse_gift("Nothing {here")


# --- writing ------------------------------------------------------------------------------


def test_dump_writes_canonical_gift() -> None:
    """dump_gift writes categories, titles, formats, weights and feedback canonically."""
    questions = [
        GiftQuestion(
            type="multiple_response",
            title="Pick two",
            stem="Which <b>two</b>?",
            stem_format="html",
            category="cr/m2",
            options=[
                GiftOption("A", 0.5, "half"),
                GiftOption("B", 0.5),
                GiftOption("C", -1.0),
                GiftOption("D"),
            ],
            general_feedback="See 2.1",
        ),
        GiftQuestion(
            type="true_false",
            stem="Sky is blue: yes",
            category="cr/m2",
            answer=True,
            feedback_true="Right",
        ),
        GiftQuestion(
            type="numeric",
            stem="Pi?",
            answers=[
                GiftNumericAnswer(value=3.14, tolerance=0.01),
                GiftNumericAnswer(min=3.0, max=4.0, fraction=0.25, feedback="Roughly"),
            ],
        ),
    ]
    assert dump_gift(questions) == (
        "$CATEGORY: cr/m2\n"
        "\n"
        "::Pick two::[html]Which <b>two</b>? {\n"
        "\t~%50%A#half\n"
        "\t~%50%B\n"
        "\t~%-100%C\n"
        "\t~D\n"
        "\t####See 2.1\n"
        "}\n"
        "\n"
        "Sky is blue\\: yes {TRUE##Right}\n"
        "\n"
        "$CATEGORY: $course$/top\n"
        "\n"
        "Pi? {#\n"
        "\t=3.14:0.01\n"
        "\t=%25%3..4#Roughly\n"
        "}\n"
    )


def test_dump_of_nothing_is_empty() -> None:
    """No questions, no text."""
    assert dump_gift([]) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (3.14, "3.14"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-07, "0.0000001"),
        (-0.0, "0"),
        (1e21, "1000000000000000000000"),
        (-2.5, "-2.5"),
    ],
)
def test_dump_formats_numbers_exactly(value: float, text: str) -> None:
    """Numbers are written as their shortest exact decimal, never in exponent form."""
    question = GiftQuestion(type="numeric", answers=[GiftNumericAnswer(value=value, tolerance=0)])
    assert f"={text}:0" in dump_gift([question])
    assert parse_gift(dump_gift([question]))[0].answers[0].value == value


def test_dump_escapes_special_characters() -> None:
    """Special characters in every text are escaped, and newlines become '\\n'."""
    question = GiftQuestion(
        type="short_answer",
        title="a::b",
        stem="x = {y} ~ #z \\ \nnext",
        answers=[GiftAnswer("p=q", 1.0, "#1")],
    )
    text = dump_gift([question])
    assert text.startswith("::a\\:\\:b::x \\= \\{y\\} \\~ \\#z \\\\ \\nnext {")
    assert parse_gift(text) == [question]


def test_dump_guards_text_that_would_be_misread() -> None:
    """Stems starting with '//' or '[word]', and answers starting with '%n%', stay literal."""
    questions = [
        GiftQuestion(type="true_false", stem="// not a comment", answer=True),
        GiftQuestion(type="true_false", stem="[Note] read", answer=True),
        GiftQuestion(
            type="single_choice",
            stem="Discount?",
            options=[GiftOption("%5% off", 1.0), GiftOption("%10% off", 0.0, "[x] no")],
        ),
        GiftQuestion(type="short_answer", stem="S", answers=[GiftAnswer("%5%", 1.0)]),
    ]
    text = dump_gift(questions)
    assert "::::// not a comment" in text
    assert "[moodle][Note] read" in text
    assert "=%100%%5% off" in text
    assert "~%0%%10% off#[moodle][x] no" in text
    assert parse_gift(text) == questions


def test_dump_refuses_what_gift_cannot_express() -> None:
    """A correct choice or a matching left side containing '->' cannot be written."""
    with pytest.raises(ValueError, match="->"):
        dump_gift([GiftQuestion(type="single_choice", options=[GiftOption("a->b", 1.0)])])
    with pytest.raises(ValueError, match="->"):
        dump_gift([GiftQuestion(type="matching", pairs=[("a->b", "c"), ("d", "e")])])
    with pytest.raises(ValueError, match="unknown question type"):
        dump_gift([GiftQuestion(type="cloze")])


def test_dump_missing_word_puts_the_block_at_the_blank() -> None:
    """A missing-word stem is written with the answer block where '_____' was."""
    question = parse_one("Grant is {~buried =entombed} in Grant's tomb.")
    text = dump_gift([question])
    assert text == "Grant is {\n\t~buried\n\t=entombed\n} in Grant's tomb.\n"


# --- round trips --------------------------------------------------------------------------

RICH_SAMPLE = r"""// Liaison Academy sample bank
$CATEGORY: $course$/top/conflict-resolution/module-2

::Sources of conflict:: Which is the most common source of school-family conflict?{
    ~Scheduling#Frequent, but rarely the root.
    =Unclear communication#Right: most conflicts start with a misunderstanding.
    ~Transport
    ####See lesson 2.1.
}

A liaison should {~avoid =acknowledge ~dismiss} a parent's frustration first.

::Two skills::[html]<p>Which <b>two</b> skills help de-escalate?</p>{
    ~%50%Active listening#Yes
    ~%50%Naming the emotion
    ~%-100%Arguing the facts#No
    ~%-100%Ending the call
}

::TF1::Interpreters should be family members.{F
#Family interpreters can bias the message.
#Correct: use trained interpreters.
####Policy 4.2}

::TF2::Meetings need an agenda.{TRUE}

::SA:: Name the meeting type where both sides present their view \: {
=joint meeting
=%50%mediat*#Close: that is a process
####Ask your coordinator.}

The process of restating a parent's words is called {=paraphrasing =reflecting} listening.

::Match::[markdown]Match each **role** to its task.{
    =Liaison -> Bridges school and home
    =Interpreter -> Translates meaning
    =Counselor -> Supports well-being
    = -> Grades homework
}

$CATEGORY: assessment/numeric

::Hours:: How many hours is the course? {#6:0.5}

::Range:: Give a number between 1 and 5.{#1..5#Within range}

::Multi:: Two plus two? {#
    =4:0#Exactly
    =%50%4:1#Close
    ~#Count again
    ####Arithmetic
}

::Essay::Describe a conflict you resolved.\nUse two paragraphs.{
####Look for empathy and a clear outcome.}

::Escapes:: Specials \~ \= \# \{ \} \: \\ and \*stars\* {=a\=b#c\#d}
"""


def test_rich_sample_parses_every_type() -> None:
    """The rich sample holds every question type, with categories and formats."""
    questions = parse_gift(RICH_SAMPLE)
    assert [q.type for q in questions] == [
        "single_choice",
        "single_choice",
        "multiple_response",
        "true_false",
        "true_false",
        "short_answer",
        "short_answer",
        "matching",
        "numeric",
        "numeric",
        "numeric",
        "essay",
        "short_answer",
    ]
    assert {q.category for q in questions} == {"conflict-resolution/module-2", "assessment/numeric"}
    assert [q.blank for q in questions].count(True) == 2
    assert questions[2].stem_format == "html"
    assert questions[7].stem_format == "markdown"
    assert questions[11].stem == "Describe a conflict you resolved.\nUse two paragraphs."


def test_round_trip_preserves_everything() -> None:
    """parse(dump(parse(x))) equals parse(x), field by field."""
    first = parse_gift(RICH_SAMPLE)
    second = parse_gift(dump_gift(first))
    assert second == first
    for a, b in zip(first, second, strict=True):
        assert (a.type, a.title, a.stem, a.stem_format, a.blank) == (
            b.type,
            b.title,
            b.stem,
            b.stem_format,
            b.blank,
        )
        assert (a.options, a.answers, a.pairs, a.distractors) == (
            b.options,
            b.answers,
            b.pairs,
            b.distractors,
        )
        assert (a.general_feedback, a.feedback_true, a.feedback_false, a.wrong_feedback) == (
            b.general_feedback,
            b.feedback_true,
            b.feedback_false,
            b.wrong_feedback,
        )


def test_dump_is_stable() -> None:
    """Dumping a re-parsed dump gives identical text."""
    once = dump_gift(parse_gift(RICH_SAMPLE))
    twice = dump_gift(parse_gift(once))
    assert twice == once


def test_parsed_questions_grade_with_the_graders() -> None:
    """to_grading_data gives valid grading data whose correct response earns full marks."""
    for question in parse_gift(RICH_SAMPLE):
        data = to_grading_data(question)
        result = graders.grade(data, graders.correct_response(data))
        if question.type == "essay":
            assert result.needs_manual
        else:
            assert result.score == result.max_score == Decimal("1.00"), question


def test_to_grading_data_uses_given_ids() -> None:
    """Option and pair ids can be supplied by the caller."""
    question = parse_one("Stem {=a ~b}")
    data = to_grading_data(question, ids=["x", "y"])
    assert [o["id"] for o in data["options"]] == ["x", "y"]
    assert graders.grade(data, "x").score == 1


# --- property tests -----------------------------------------------------------------------

# Characters that exercise every escape and every structural token GIFT has.
ALPHABET = "ab Z\u00e9:~=#{}\\%[]->_/*\n\t."
texts = st.text(alphabet=ALPHABET, max_size=12).map(str.strip)
nonempty = texts.filter(bool)
no_arrow = nonempty.filter(lambda t: "->" not in t)
fmt = st.sampled_from(["moodle", "html", "markdown", "plain"])
categories = st.one_of(
    st.none(),
    st.from_regex(r"[a-z][a-z0-9/-]{0,10}[a-z0-9]", fullmatch=True).filter(
        lambda c: c != "top" and not c.startswith("top/")
    ),
)
finite = st.floats(allow_nan=False, allow_infinity=False)
percent_fraction = st.integers(1, 10_000).map(lambda n: n / 10_000)


@st.composite
def numeric_answers(draw: st.DrawFn) -> GiftNumericAnswer:
    fraction = draw(percent_fraction)
    feedback = draw(texts)
    if draw(st.booleans()):
        low, high = sorted([draw(finite), draw(finite)])
        return GiftNumericAnswer(min=low, max=high, fraction=fraction, feedback=feedback)
    tolerance = draw(st.floats(min_value=0, allow_nan=False, allow_infinity=False))
    return GiftNumericAnswer(value=draw(finite), tolerance=tolerance, fraction=fraction, feedback=feedback)


def with_full_credit(answers: list, index: int) -> list:
    answers[index].fraction = 1.0
    return answers


@st.composite
def gift_questions(draw: st.DrawFn) -> GiftQuestion:
    kind = draw(st.sampled_from(graders.QUESTION_TYPES))
    question = GiftQuestion(
        type=kind,
        title=draw(texts),
        stem_format=draw(fmt),
        general_feedback=draw(texts),
        category=draw(categories),
    )
    if kind == "single_choice":
        wrong = draw(
            st.lists(
                st.builds(GiftOption, nonempty, st.integers(-100, 99).map(lambda p: p / 100), texts),
                min_size=1,
                max_size=4,
            )
        )
        right = draw(st.lists(st.builds(GiftOption, no_arrow, st.just(1.0), texts), min_size=1, max_size=2))
        question.options = draw(st.permutations(wrong + right))
    elif kind == "multiple_response":
        count = draw(st.integers(1, 3))
        cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=count - 1, max_size=count - 1)))
        bounds = [0, *cuts, 100]
        fractions = [(b - a) / 100 for a, b in zip(bounds, bounds[1:], strict=False)]
        negatives = draw(
            st.lists(
                st.integers(-100, -1).map(lambda p: p / 100),
                min_size=0 if count > 1 else 1,
                max_size=2,
            )
        )
        zeros = draw(st.lists(st.just(0.0), max_size=2))
        question.options = [
            GiftOption(draw(nonempty), f, draw(texts))
            for f in draw(st.permutations(fractions + negatives + zeros))
        ]
    elif kind == "true_false":
        question.answer = draw(st.booleans())
        question.feedback_true = draw(texts)
        question.feedback_false = draw(texts)
    elif kind == "short_answer":
        answers = draw(
            st.lists(st.builds(GiftAnswer, no_arrow, percent_fraction, texts), min_size=1, max_size=3)
        )
        question.answers = with_full_credit(answers, draw(st.integers(0, len(answers) - 1)))
    elif kind == "numeric":
        answers = draw(st.lists(numeric_answers(), min_size=1, max_size=3))
        question.answers = with_full_credit(answers, draw(st.integers(0, len(answers) - 1)))
        question.wrong_feedback = draw(texts)
    elif kind == "matching":
        question.pairs = draw(st.lists(st.tuples(no_arrow, nonempty), min_size=2, max_size=4))
        question.distractors = draw(st.lists(nonempty, max_size=2))
    if kind not in ("matching", "essay") and draw(st.booleans()):
        before = draw(st.text(alphabet=ALPHABET, max_size=8).map(str.lstrip))
        after = draw(nonempty.map(lambda t: " " + t))
        question.stem = (before + BLANK + after).strip()
        question.blank = BLANK not in before and bool(after.strip())
        if not question.blank:
            question.stem = draw(texts)
    else:
        question.stem = draw(texts)
    return question


@PROPERTY
@given(st.lists(gift_questions(), min_size=1, max_size=4))
def test_dump_then_parse_gives_the_same_questions(questions: list[GiftQuestion]) -> None:
    """Any question GIFT can express survives dump and parse unchanged, and dump is stable."""
    text = dump_gift(questions)
    parsed = parse_gift(text)
    assert parsed == questions
    assert dump_gift(parsed) == text


@PROPERTY
@given(st.text(alphabet=ALPHABET + "TF$CATEGORY\r\ufeff", max_size=80))
def test_parse_never_fails_with_anything_but_gift_error(text: str) -> None:
    """Arbitrary input either parses (and then round-trips) or raises GiftError."""
    try:
        questions = parse_gift(text)
    except GiftError as error:
        assert error.errors
        assert all(problem.line >= 1 for problem in error.errors)
        return
    assert parse_gift(dump_gift(questions)) == questions
