/**
 * The allowlist's globs, anchored at both ends.
 *
 * - Names (`principal: role/iot-ingest-*`): `*` matches any run of characters (also none), `?` exactly one. IAM does
 *   not tell user, role or group names apart by case, so neither do these.
 * - ARNs (`attachedBy`): case-sensitive like ARNs, and a wildcard stays inside one `:` field and one `/` segment, so
 *   `role/ci-deployer*` cannot be met by a role created under the path `/ci-deployer-x/`. A double star crosses `/`,
 *   and a double star followed by a slash also matches no segment at all (a role at the default path).
 */
export type GlobMatcher = (text: string) => boolean;

const escape = (c: string): string => c.replace(/[\\^$.|+()[\]{}*?]/g, '\\$&');

/** Compiles a name glob (`*`, `?`; case-insensitive). */
export function compileGlob(pattern: string): GlobMatcher {
  if (!pattern.includes('*') && !pattern.includes('?')) {
    const wanted = pattern.toLowerCase();
    return (text) => text.toLowerCase() === wanted;
  }
  const source = [...pattern].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : escape(c))).join('');
  const re = new RegExp(`^${source}$`, 'iu');
  return (text) => re.test(text);
}

/** Compiles an ARN glob: `*` and `?` within one `:` field and `/` segment, `**` across segments; case-sensitive. */
export function compileArnGlob(pattern: string): GlobMatcher {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*' && pattern[i + 2] === '/') {
      // A double star and a slash: any number of path segments, none included (a role at the default path).
      source += '(?:[^:]*/)?';
      i += 2;
    } else if (c === '*' && pattern[i + 1] === '*') {
      source += '[^:]*';
      i++;
    } else if (c === '*') source += '[^:/]*';
    else if (c === '?') source += '[^:/]';
    else source += escape(c);
  }
  const re = new RegExp(`^${source}$`, 'u');
  return (text) => re.test(text);
}
