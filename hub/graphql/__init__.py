"""The GraphQL API: schema, types, context and DataLoaders."""
