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
