import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLinks, headingAnchors, reachableMarkdown } from '../support/markdown-links.js';

// The README is the page a newcomer reads in ten minutes; everything else lives in docs/ and is reached from it.
const README_MAX_BYTES = 15_500;
const docs = readdirSync('docs')
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`)
  .sort();

describe('README.md and docs/', () => {
  it(`keeps README.md at most ${README_MAX_BYTES} bytes`, () => {
    expect(statSync('README.md').size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('has no relative link to a missing file or heading', () => {
    expect(brokenLinks('.', ['README.md', ...docs])).toEqual([]);
  });

  it('reaches every docs page from README.md', () => {
    const reached = reachableMarkdown('.', 'README.md');
    expect(docs.filter((page) => !reached.has(page))).toEqual([]);
  });
});

describe('the link checker', () => {
  const root = mkdtempSync(join(tmpdir(), 'ipg-links-'));
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'docs/a.md'), '# A page\n\n## `evaluate`: the command\n\n## Limits\n\n## Limits\n');
  writeFileSync(
    join(root, 'README.md'),
    [
      '# Read me',
      '[ok](docs/a.md) [ok](docs/a.md#evaluate-the-command) [ok](docs/a.md#limits-1) [ok](#read-me) ' +
        '[web](https://x.test)',
      '[gone](docs/missing.md) [no heading](docs/a.md#nothing) [outside](../elsewhere.md) [here](#nowhere)',
      '`[code](docs/missing-too.md)`',
      '```',
      '[fenced](docs/missing-three.md)',
      '```',
    ].join('\n'),
  );
  writeFileSync(join(root, 'docs/orphan.md'), '# Nobody links here\n');

  it('names each broken link with its file and line, and nothing else', () => {
    expect(brokenLinks(root, ['README.md', 'docs/a.md'])).toEqual([
      'README.md:3: docs/missing.md: no such file docs/missing.md',
      'README.md:3: docs/a.md#nothing: no heading #nothing in docs/a.md',
      'README.md:3: ../elsewhere.md leaves the repository',
      'README.md:3: #nowhere: no heading #nowhere in README.md',
    ]);
  });

  it('finds the pages README.md reaches, not the orphan', () => {
    expect([...reachableMarkdown(root, 'README.md')].sort()).toEqual(['README.md', 'docs/a.md']);
  });

  it('makes anchors as GitHub does', () => {
    expect([
      ...headingAnchors('# IAM Identity Center\n## `audit`: the sweep from the command line\n## Cost\n## Cost\n'),
    ]).toEqual(['iam-identity-center', 'audit-the-sweep-from-the-command-line', 'cost', 'cost-1']);
  });
});
