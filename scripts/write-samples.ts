// Writes the sample e-mail and chat card into docs/alerts.md: `npm run samples`.
// test/unit/samples.test.ts fails when the checked-in samples differ from what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderSamples, SAMPLES_DOC, withSamples } from './samples.js';

writeFileSync(SAMPLES_DOC, withSamples(readFileSync(SAMPLES_DOC, 'utf8'), renderSamples()));
process.stdout.write(`wrote the samples in ${SAMPLES_DOC}\n`);
