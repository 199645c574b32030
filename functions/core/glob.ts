/**
 * The allowlist's glob: `*` matches any run of characters (also none, also `/` and `:`), `?` exactly one character,
 * everything else itself. Anchored at both ends and case-sensitive, like IAM ARNs.
 */
export type GlobMatcher = (text: string) => boolean;

/** Compiles a glob into a matcher. */
export function compileGlob(pattern: string): GlobMatcher {
  if (!pattern.includes('*') && !pattern.includes('?')) return (text) => text === pattern;
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`, 'u');
  return (text) => re.test(text);
}
