"""Why a submission was refused before any row was looked at; each maps to one HTTP status."""

from __future__ import annotations


class SubmissionRefused(Exception):
    """Base: `status` is the HTTP answer, `code` the GraphQL `extensions.code`."""

    status = 400
    code = "BAD_USER_INPUT"


class SourceNotFound(SubmissionRefused):
    """No such source, or none this caller may see, or none with an adapter: all look alike."""

    status = 404
    code = "NOT_FOUND"


class SubmitForbidden(SubmissionRefused):
    status = 403
    code = "FORBIDDEN"


class UnsupportedFormat(SubmissionRefused):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class IdempotencyConflict(SubmissionRefused):
    """The key was used before for a different payload (or that batch is still being applied)."""

    status = 409
    code = "CONFLICT"


class TooLarge(SubmissionRefused):
    status = 413
    code = "PAYLOAD_TOO_LARGE"
