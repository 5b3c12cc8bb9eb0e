from .questions import (
    MatchingPair,
    NumericAnswer,
    Question,
    QuestionBank,
    QuestionOption,
    QuestionTag,
    QuestionType,
    RubricCriterion,
)

__all__ = [
    "MatchingPair",
    "NumericAnswer",
    "Question",
    "QuestionBank",
    "QuestionOption",
    "QuestionTag",
    "QuestionType",
    "RubricCriterion",
]
from .quizzes import (  # noqa: E402
    Attempt,
    AttemptState,
    GradingMethod,
    QuizAccommodation,
    QuizPage,
    QuizSlot,
    Response,
    ReviewLevel,
)

__all__ += [
    "Attempt",
    "AttemptState",
    "GradingMethod",
    "QuizAccommodation",
    "QuizPage",
    "QuizSlot",
    "Response",
    "ReviewLevel",
]
