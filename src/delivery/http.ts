// One HTTP delivery with its retries. Retried: network errors, timeouts, 408, 429 and 5xx, with
// exponential backoff and jitter, or the server's Retry-After when it asks for longer (capped).
// Not retried: 3xx (redirects are not followed), 410 (the destination is gone) and other 4xx.

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

export interface RetryOptions {
  retries: number;
  timeoutSeconds: number;
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  maxRetryAfterSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export type ErrorClass = 'network' | 'timeout' | 'rate_limited' | 'server_error' | 'client_error' | 'auth' | 'gone' | 'redirect';

export interface Attempt {
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error_class: ErrorClass | null;
  retry_after_seconds?: number;
}

export interface SendResult {
  success: boolean;
  status_code: number | null;
  error: string | null;
  error_class: ErrorClass | null;
  /** The destination answered 410: it will not accept deliveries again until reconfigured. */
  gone: boolean;
  attempts: Attempt[];
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Legacy Teams connectors answer 200 with the throttling message in the body.
const TEAMS_THROTTLED = 'Microsoft Teams endpoint returned HTTP error 429';

function classify(status: number, body: string): { retry: boolean; errorClass: ErrorClass | null } {
  if (status >= 200 && status < 300) return body.includes(TEAMS_THROTTLED) ? { retry: true, errorClass: 'rate_limited' } : { retry: false, errorClass: null };
  if (status === 429) return { retry: true, errorClass: 'rate_limited' };
  if (status === 408) return { retry: true, errorClass: 'timeout' };
  if (status >= 500) return { retry: true, errorClass: 'server_error' };
  if (status === 410) return { retry: false, errorClass: 'gone' };
  if (status === 401 || status === 403) return { retry: false, errorClass: 'auth' };
  if (status >= 300 && status < 400) return { retry: false, errorClass: 'redirect' };
  return { retry: false, errorClass: 'client_error' };
}

/** Retry-After in seconds, from delta-seconds or an HTTP date. */
export function retryAfterSeconds(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

export async function send(request: HttpRequest, options: RetryOptions): Promise<SendResult> {
  const attempts: Attempt[] = [];
  const total = Math.max(0, Math.floor(options.retries)) + 1;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  let last: { status: number | null; errorClass: ErrorClass | null; error: string | null } = { status: null, errorClass: null, error: null };

  for (let attempt = 1; attempt <= total; attempt++) {
    const started = Date.now();
    let retry = false;
    let waitSeconds: number | undefined;
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.max(100, options.timeoutSeconds * 1000))
      });
      const body = (await response.text().catch(() => '')).slice(0, 2048);
      const verdict = classify(response.status, body);
      retry = verdict.retry;
      waitSeconds = retryAfterSeconds(response.headers.get('retry-after'), Date.now());
      last = {
        status: response.status,
        errorClass: verdict.errorClass,
        error: verdict.errorClass ? `HTTP ${response.status}${body.trim() ? `: ${body.trim().split('\n')[0]!.slice(0, 200)}` : ''}` : null
      };
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      retry = true;
      last = {
        status: null,
        errorClass: timedOut ? 'timeout' : 'network',
        error: timedOut ? `no response within ${options.timeoutSeconds} s` : `connector endpoint unreachable (${causeCode(error)})`
      };
    }
    attempts.push({
      attempt,
      started_at: new Date(started).toISOString(),
      duration_ms: Date.now() - started,
      status_code: last.status,
      error_class: last.errorClass,
      ...(waitSeconds !== undefined ? { retry_after_seconds: waitSeconds } : {})
    });
    if (!last.errorClass || !retry || attempt === total) break;
    const base = options.backoffBaseMs ?? 500;
    const backoff = Math.min(options.maxBackoffMs ?? 30_000, base * 2 ** (attempt - 1)) * (0.5 + random() / 2);
    const asked = waitSeconds === undefined ? 0 : Math.min(waitSeconds, options.maxRetryAfterSeconds ?? 60) * 1000;
    await sleep(Math.max(backoff, asked));
  }
  return {
    success: last.errorClass === null,
    status_code: last.status,
    error: last.error,
    error_class: last.errorClass,
    gone: last.errorClass === 'gone',
    attempts
  };
}

function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? 'unknown error';
}
