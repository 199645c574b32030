// Fails when a source line is longer than 120 characters: Biome's formatter wraps code at 120 columns, but it does
// not break string literals or comments. Run by `npm run lint` (and so by `npm test`); prints each long line's place.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 120;
const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.ts', '*.mjs', '*.cjs', '*.js'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('test/fixtures/'));

const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the working tree
  }
  text.split('\n').forEach((line, i) => {
    if (line.length > LIMIT) long.push(`${file}:${i + 1}: ${line.length} characters`);
  });
}
if (long.length > 0) {
  process.stderr.write(`${long.join('\n')}\n${long.length} lines longer than ${LIMIT} characters\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`${files.length} files, no line longer than ${LIMIT} characters\n`);
}
