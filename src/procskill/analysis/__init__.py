"""Reading procskill logs: re-judging, agreement between scores, the report."""

from procskill.analysis.agreement import AgreementRow, agreement
from procskill.analysis.rejudge import RejudgeResult, rejudge
from procskill.analysis.report import (
    Report,
    ReportInputError,
    UnmatchedComparisonError,
    build_report,
    read_logs,
    sft_lift,
)

__all__ = [
    "AgreementRow",
    "RejudgeResult",
    "Report",
    "ReportInputError",
    "UnmatchedComparisonError",
    "agreement",
    "build_report",
    "read_logs",
    "rejudge",
    "sft_lift",
]
