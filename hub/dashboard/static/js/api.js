// The dashboard's one door to the hub: GraphQL over HTTP with the signed-in bearer token.

const KEY = "hub.dashboard.token";
export const GRAPHQL_URL = new URL("../graphql", location.href);

export const session = {
  token: () => sessionStorage.getItem(KEY),
  signIn: (token) => sessionStorage.setItem(KEY, token),
  signOut: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/**
 * Run a GraphQL document; resolves to {data, errors, date} (date: the hub's Date header);
 * throws ApiError when there is no data.
 */
export async function graphql(query, variables = {}) {
  if (!session.token()) throw new ApiError("Sign in first.", "UNAUTHENTICATED");
  let response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        Authorization: `Bearer ${session.token()}`,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("The hub cannot be reached. Check your connection and try again.", "NETWORK");
  }
  if (response.status === 401) {
    throw new ApiError("The hub did not accept your token. Sign in again.", "UNAUTHENTICATED");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The hub answered HTTP ${response.status}.`, "HTTP");
  }
  const errors = body.errors ?? [];
  if (!body.data) {
    const code = errors[0]?.extensions?.code ?? "HTTP";
    throw new ApiError(errors.map((e) => e.message).join(" ") || `HTTP ${response.status}`, code);
  }
  return { data: body.data, errors, date: response.headers.get("Date") };
}

/** True when an error says the schema has no such field (a feature this hub lacks). */
export function isMissingField(error) {
  return error instanceof ApiError && /Cannot query field/.test(error.message);
}
