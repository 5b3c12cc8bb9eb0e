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
from .grants import AttemptGrant  # noqa: E402
from .jobs import GiftImportJob, GiftImportStatus  # noqa: E402
from .pages import GradingMethod, QuizPage, QuizSlot, ReviewLevel  # noqa: E402
from .records import (  # noqa: E402
    Attempt,
    AttemptState,
    QuizAccommodation,
    Response,
)

__all__ += [
    "Attempt",
    "AttemptGrant",
    "AttemptState",
    "GiftImportJob",
    "GiftImportStatus",
    "GradingMethod",
    "QuizAccommodation",
    "QuizPage",
    "QuizSlot",
    "Response",
    "ReviewLevel",
]
from .regrade import RegradeJob, RegradeRecord, RegradeStatus  # noqa: E402

__all__ += ["RegradeJob", "RegradeRecord", "RegradeStatus"]
from .statistics import AttemptSet, QuizStatistics, QuizStatisticsRefresh  # noqa: E402

__all__ += ["AttemptSet", "QuizStatistics", "QuizStatisticsRefresh"]
