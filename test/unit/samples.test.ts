// The sample e-mail and chat card in docs/alerts.md are what the code renders (`npm run samples` writes them).
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderChatAlert } from '../../functions/core/chat.js';
import { BEGIN, END, renderSamples, SAMPLES_DOC, sampleAlert, withSamples } from '../../scripts/samples.js';

describe('samples in docs/alerts.md', () => {
  const doc = readFileSync(SAMPLES_DOC, 'utf8');

  it('are what the code renders now (run `npm run samples`)', () => {
    expect(doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length)).toBe(renderSamples());
    expect(withSamples(doc, renderSamples())).toBe(doc);
  });

  it(
    'show an alert-only violation of a stack deployed with mode=alert: links, the command, why, and a valid chat ' +
      'card',
    () => {
      const alert = sampleAlert();
      expect(alert).toMatchObject({
        outcome: 'alert-only',
        actionSource: 'deploy-mode',
        remediationCommand: expect.stringMatching(/^aws iam detach-role-policy /),
      });
      expect(doc).toContain(alert.remediationCommand!);
      expect(doc).toContain(alert.links!.principal!);
      expect(doc).toContain("Action from: the deploy's mode is alert");
      const validate = new Ajv2020({ strict: true }).compile(
        JSON.parse(readFileSync('infra/chat-notification.schema.json', 'utf8')),
      );
      expect(validate(renderChatAlert(alert))).toBe(true);
    },
  );

  it('are found by their markers, or the writer says they are missing', () => {
    expect(() => withSamples('# no markers\n', renderSamples())).toThrow(/docs\/alerts\.md has no/);
  });
});
