/**
 * Watches the HTTP requests this process makes, without touching the code that makes them. The AWS SDK sends each
 * request with one `ClientRequest.end(body)` call, which is wrapped here: the moment of that call is when the request
 * is issued, the SDK names the service in its user agent (`api/iam#…`), and a query-protocol body (IAM, SNS, STS)
 * names the action (`Action=DetachRolePolicy`). (Node's `http.client.request.start` diagnostics channel fires only
 * after `end()`, too late to read the body.) For benchmark processes only.
 */
import { ClientRequest } from 'node:http';

export interface SeenRequest {
  /** performance.now() when the SDK handed the request to Node: the moment the call was issued. */
  readonly at: number;
  readonly service: string;
  /** The query-protocol action (empty for other protocols). */
  readonly action: string;
}

const seen: SeenRequest[] = [];
let installed = false;

function serviceOf(req: ClientRequest): string {
  const agent = [req.getHeader('x-amz-user-agent'), req.getHeader('user-agent')]
    .map((h) => (Array.isArray(h) ? h.join(' ') : String(h ?? '')))
    .join(' ');
  return /api\/([a-z0-9-]+)#/i.exec(agent)?.[1]?.toLowerCase() ?? 'unknown';
}

function actionOf(body: unknown): string {
  const text =
    typeof body === 'string'
      ? body.slice(0, 200)
      : body instanceof Uint8Array
        ? Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 200)).toString('utf8')
        : '';
  return /(?:^|&)Action=([A-Za-z]+)/.exec(text)?.[1] ?? '';
}

/** Starts recording (once per process). */
export function installProbe(): void {
  if (installed) return;
  installed = true;
  const end = ClientRequest.prototype.end as (this: ClientRequest, ...args: unknown[]) => ClientRequest;
  (ClientRequest.prototype as unknown as { end: (this: ClientRequest, ...args: unknown[]) => ClientRequest }).end =
    function (this: ClientRequest, ...args: unknown[]) {
      seen.push({
        at: performance.now(),
        service: serviceOf(this),
        action: actionOf(typeof args[0] === 'function' ? undefined : args[0]),
      });
      return end.apply(this, args);
    };
}

/** Requests seen since `mark` (an index from `mark()`). */
export function requestsSince(mark: number): readonly SeenRequest[] {
  return seen.slice(mark);
}

export function mark(): number {
  return seen.length;
}

/** Forgets what was recorded (between phases of a long run). */
export function resetProbe(): void {
  seen.length = 0;
}
