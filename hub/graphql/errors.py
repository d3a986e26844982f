"""GraphQL errors with a machine-readable `extensions.code`."""

from graphql import GraphQLError


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def not_found(what: str) -> GraphQLError:
    """Also what a denied single object answers: it must look exactly like a missing one."""
    return GraphQLError(f"{what} not found", extensions={"code": "NOT_FOUND"})


def forbidden(message: str = "not allowed") -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def hidden_field(field: str) -> GraphQLError:
    """A field of a visible object the caller may not see: null, with this as the reason."""
    return GraphQLError(
        f"{field} is not shared with your role", extensions={"code": "FORBIDDEN", "field": field}
    )
