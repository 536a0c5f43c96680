"""Reading procskill logs: re-judging, agreement between scores, the report."""

from procskill.analysis.agreement import AgreementRow, AgreementRows, SkippedLog, agreement
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
    "AgreementRows",
    "RejudgeResult",
    "Report",
    "ReportInputError",
    "SkippedLog",
    "UnmatchedComparisonError",
    "agreement",
    "build_report",
    "read_logs",
    "rejudge",
    "sft_lift",
]
