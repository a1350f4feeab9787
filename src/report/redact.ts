// Reports go where many people read them (CI logs, pull-request
// annotations, code scanning): a description never carries a secret the
// program passed. Every description passes through here before any output;
// LEAKTRACK_REDACT=0 (or "redact": false in the config) turns it off for
// local debugging.
//
// - URLs: user and password removed; query values replaced, names kept
//   (`?api_key=…&page=…`): the reader still recognises the call.
// - Command lines and assignments: the value of an argument or an
//   environment-style assignment whose name looks secret (`--password=…`,
//   `--token …`, `API_KEY=…`) replaced.

export const REDACTED = '…';

/** Names whose values are secrets: password, passwd, pwd, secret, token, key, auth, credential, session, cookie. */
const SECRET_NAME = /pass(?:word|wd)?|pwd|secret|token|key|auth|credential|session|cookie/i;

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>()]+/gi;

export function redact(text: string): string {
  if (!text) return text;
  return redactWords(text.replace(URL_IN_TEXT, redactUrl));
}

export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not parseable: at least no userinfo and no query values.
    return url.replace(/\/\/[^/@\s]*@/, '//').replace(/([?&][^=&#\s]+=)[^&#\s]*/g, `$1${REDACTED}`);
  }
  const auth = parsed.username || parsed.password;
  parsed.username = '';
  parsed.password = '';
  const names = [...parsed.searchParams.keys()];
  let out = parsed.href;
  if (names.length > 0) out = `${out.slice(0, out.indexOf('?'))}?${names.map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join('&')}${parsed.hash}`;
  // Keep what the program wrote when nothing had to go (new URL() normalises).
  return auth || names.length > 0 ? out : url;
}

/** A command line given as its arguments (`process.argv`): the same rules, argument by argument. */
export function redactArgs(args: readonly string[]): string[] {
  return redactSequence(args.map((arg) => arg.replace(URL_IN_TEXT, redactUrl)));
}

function redactWords(text: string): string {
  const parts = text.split(/(\s+)/); // words at even indices, the spaces between at odd ones
  const words = redactSequence(parts.filter((_, i) => i % 2 === 0));
  return parts.map((part, i) => (i % 2 === 0 ? words[i / 2] : part)).join('');
}

/**
 * `--password=x`, `API_KEY=x`, `--token x`, `password: x`. (`host:port` is
 * not an assignment: `auth-service:8080` keeps its port.)
 */
function redactSequence(input: readonly string[]): string[] {
  const words = [...input];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const assignment = /^(-{0,2}([A-Za-z_][\w.-]*))=(.+)$/s.exec(word);
    if (assignment && SECRET_NAME.test(assignment[2]) && assignment[3] !== REDACTED) {
      words[i] = `${assignment[1]}=${REDACTED}`;
      continue;
    }
    // `--password value`, `password: value`: the next word is the value.
    const flag = /^(?:--?([A-Za-z][\w.-]*)|([A-Za-z_][\w.-]*):)$/.exec(word);
    const name = flag?.[1] ?? flag?.[2];
    if (name && SECRET_NAME.test(name) && i + 1 < words.length && !words[i + 1].startsWith('-')) words[++i] = REDACTED;
  }
  return words;
}

/**
 * Scheme, host and port of a URL the program passed (a string, a URL, or an
 * object with an `origin`): what a tag keeps, never credentials, path or query.
 */
export function urlOrigin(url: unknown): string | undefined {
  try {
    const origin = typeof url === 'object' && url !== null && !(url instanceof URL) && 'origin' in url ? (url as { origin: unknown }).origin : url;
    const parsed = origin instanceof URL ? origin : typeof origin === 'string' ? new URL(origin) : undefined;
    return parsed && `${parsed.protocol}//${parsed.host}`;
  } catch {
    return undefined;
  }
}
