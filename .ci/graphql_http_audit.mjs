// GraphQL-over-HTTP conformance: runs graphql-http's serverAudits against a running hub.
// Usage: HUB_URL=http://127.0.0.1:PORT/graphql HUB_TOKEN=... node .ci/graphql_http_audit.mjs
// graphql-http is installed in .ci/node (ignored by git) by .ci/graphql_http_audit.sh.
// Prints every audit; exits 1 on any MUST failure; SHOULD/MAY failures are reported
// (and fail too with AUDIT_STRICT=1, which .ci/graphql_http_audit.sh sets: the goal is all pass).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const module = join(here, 'node', 'node_modules', 'graphql-http', 'lib', 'index.mjs');
const { serverAudits } = await import(pathToFileURL(module).href);

const url = process.env.HUB_URL;
const token = process.env.HUB_TOKEN;
if (!url || !token) {
  console.error('set HUB_URL and HUB_TOKEN');
  process.exit(2);
}

// Every audit request carries the token (the hub answers 401 without one).
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const failed = { MUST: 0, SHOULD: 0, MAY: 0 };
const passed = { MUST: 0, SHOULD: 0, MAY: 0 };
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  if (result.status === 'ok') {
    passed[level] += 1;
    console.log(`ok     ${audit.id} ${audit.name}`);
  } else {
    failed[level] += 1;
    console.log(`${result.status.padEnd(6)} ${audit.id} ${audit.name}: ${result.reason}`);
    if (result.response) {
      const body = await result.response.text().catch(() => '');
      console.log(`       status ${result.response.status}: ${body.slice(0, 300)}`);
    }
  }
}
const summary = (level) => `${level} ${passed[level]} passed, ${failed[level]} failed`;
console.log(`\n${summary('MUST')}; ${summary('SHOULD')}; ${summary('MAY')}`);
const strict = process.env.AUDIT_STRICT === '1';
process.exit(failed.MUST > 0 || (strict && failed.SHOULD + failed.MAY > 0) ? 1 : 0);
