"""The hub: a GraphQL data-sharing service for English local-government improvement."""

__version__ = "0.1.0"
