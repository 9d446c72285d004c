/**
 * `${ENV_VAR}` in a target URL, so a config file that is committed holds no password.
 * Pure: the environment is passed in.
 */

export interface Interpolation {
  readonly value: string;
  /** One message per problem (unset variable, bad name), without the path prefix. */
  readonly problems: readonly string[];
  /** Whether the URL's user:password part holds a password written in clear (not from a variable). */
  readonly clearPassword: boolean;
}

const TOKEN = /\$\$|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The user-info part of a URL template (`user:password` in `postgres://user:password@host/db`),
 * as [start, end) offsets, or null when there is none. Found on the template, before substitution,
 * so an `@` inside a variable's value cannot move it.
 */
function userInfoSpan(template: string): [number, number] | null {
  const scheme = template.indexOf('://');
  if (scheme < 0) return null;
  const start = scheme + 3;
  const rest = template.slice(start);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  return at < 0 ? null : [start, start + at];
}

/**
 * Replace `${NAME}` by the variable's value and `$$` by `$`. A variable inside the user-info part
 * is percent-encoded (a password may hold `@`, `:` or `/`); anywhere else it is used as it is, so
 * `${DATABASE_URL_PROD}` can be the whole URL.
 */
export function interpolateEnv(template: string, env: NodeJS.ProcessEnv): Interpolation {
  const problems: string[] = [];
  const span = userInfoSpan(template);
  const value = template.replace(TOKEN, (token: string, name: string | undefined, offset: number) => {
    if (token === '$$') return '$';
    const n = (name ?? '').trim();
    if (!NAME.test(n)) {
      problems.push(`${JSON.stringify(token)} is not a variable reference: write \${NAME} with letters, digits and _ (or $$ for a literal $)`);
      return token;
    }
    const v = env[n];
    if (v === undefined || v === '') {
      problems.push(`environment variable ${n} is ${v === undefined ? 'not set' : 'empty'} (used as \${${n}})`);
      return '';
    }
    return span !== null && offset >= span[0] && offset < span[1] ? encodeURIComponent(v) : v;
  });
  let clearPassword = false;
  if (span !== null) {
    const userInfo = template.slice(span[0], span[1]);
    const colon = userInfo.indexOf(':');
    if (colon >= 0) {
      const password = userInfo.slice(colon + 1);
      clearPassword = password.replace(TOKEN, '') !== '';
    }
  }
  if (/[?&]password=/i.test(template.replace(/password=\$\{[^}]*\}/gi, ''))) clearPassword = true;
  return { value, problems, clearPassword };
}
