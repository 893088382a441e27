"""The one error shape every route answers: {"error": {"code", "message", "details"?}}."""

from __future__ import annotations

from schemas.fields import Out


class ErrorDetail(Out):
    field: str
    message: str


class ErrorBody(Out):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorOut(Out):
    error: ErrorBody
