import { randomUUID } from 'node:crypto';
import {
  FakeUpstream,
  type FakeUpstreamOptions,
  type RecordedRequest,
  type Reply,
} from './fake-upstream.js';

/** Options of {@link startFakeVapi}. */
export interface FakeVapiOptions extends FakeUpstreamOptions {
  /**
   * The API key requests must carry as `Authorization: Bearer <key>`; any key passes when unset.
   * @default undefined
   */
  readonly apiKey?: string;
  /**
   * Calls that may be in progress at once; a call started beyond it gets a 201 with
   * `subscriptionLimits.concurrencyBlocked: true`.
   * @default 10
   */
  readonly concurrencyLimit?: number;
}

/** An assistant as the fake stores it. */
export type FakeVapiAssistant = Record<string, unknown> & { readonly id: string };

/** A call as the fake stores it. */
export type FakeVapiCall = Record<string, unknown> & { readonly id: string; status: string };

/** The top-level fields of Vapi's CreateAssistantDTO the fake accepts; others get a 400. */
const assistantFields = new Set([
  'name',
  'firstMessage',
  'firstMessageMode',
  'model',
  'voice',
  'transcriber',
  'server',
  'serverMessages',
  'clientMessages',
  'metadata',
  'maxDurationSeconds',
  'endCallMessage',
  'endCallPhrases',
  'voicemailMessage',
  'voicemailDetection',
  'analysisPlan',
  'artifactPlan',
  'startSpeakingPlan',
  'stopSpeakingPlan',
  'credentialIds',
  'silenceTimeoutSeconds',
  'backgroundSound',
  'hooks',
  'monitorPlan',
  'compliancePlan',
  'observabilityPlan',
]);

/** The top-level fields of Vapi's CreateCallDTO the fake accepts; others get a 400. */
const callFields = new Set([
  'assistantId',
  'assistant',
  'assistantOverrides',
  'squadId',
  'squad',
  'workflowId',
  'workflow',
  'phoneNumberId',
  'phoneNumber',
  'customer',
  'customerId',
  'customers',
  'name',
  'schedulePlan',
]);

const orgId = '5a3c1b2e-0d4f-4e6a-9b8c-7d6e5f4a3b2c';

/**
 * A fake of Vapi's API on loopback: assistants (`POST /assistant`, `GET|PATCH|DELETE
 * /assistant/{id}`) and calls (`POST /call`, `GET /call/{id}`), answering in Vapi's shapes
 * (201 on creates, NestJS-style errors, unknown fields refused) with call concurrency slots.
 */
export class FakeVapi extends FakeUpstream {
  readonly vendor = 'vapi';
  /** Assistants by id. */
  readonly assistants = new Map<string, FakeVapiAssistant>();
  /** Calls by id; blocked calls are not kept. */
  readonly calls = new Map<string, FakeVapiCall>();
  /** The call slots of the organisation; change it to block or free calls. */
  concurrencyLimit: number;
  readonly #apiKey: string | undefined;

  constructor(options: FakeVapiOptions = {}) {
    super(options);
    this.#apiKey = options.apiKey;
    this.concurrencyLimit = options.concurrencyLimit ?? 10;
  }

  /** Starts listening; see {@link startFakeVapi}. */
  start(options: FakeVapiOptions = {}): Promise<this> {
    return this.listen(options);
  }

  /** Ends a call, freeing its slot. */
  endCall(callId: string, endedReason = 'customer-ended-call'): void {
    const call = this.calls.get(callId);
    if (call === undefined) return;
    call.status = 'ended';
    call['endedReason'] = endedReason;
    call['endedAt'] = new Date().toISOString();
  }

  /** Calls that hold a slot now. */
  get activeCalls(): number {
    return [...this.calls.values()].filter((call) => call.status !== 'ended').length;
  }

  protected route(request: RecordedRequest): Reply {
    const auth = request.headers['authorization'] ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (key === '' || (this.#apiKey !== undefined && key !== this.#apiKey)) {
      return this.error(
        401,
        'Invalid Key. Hot tip, you may be using the private key instead of the public key, ' +
          'or vice versa.',
      );
    }

    const [, resource, id, extra] = request.path.split('/');
    if (extra !== undefined) return this.error(404, `Cannot ${request.method} ${request.path}`);

    if (resource === 'assistant') return this.#assistant(request, id);
    if (resource === 'call') return this.#call(request, id);
    return this.error(404, `Cannot ${request.method} ${request.path}`);
  }

  protected errorBody(status: number, message: string): unknown {
    return { message, error: statusName(status), statusCode: status };
  }

  protected answerHeaders(): Record<string, string> {
    return { 'X-Request-Id': randomUUID() };
  }

  #assistant(request: RecordedRequest, id: string | undefined): Reply {
    if (id === undefined || id === '') {
      if (request.method !== 'POST')
        return this.error(404, `Cannot ${request.method} ${request.path}`);

      const body = this.#checkBody(request, assistantFields);
      if ('status' in body) return body;
      const now = new Date().toISOString();
      const assistant: FakeVapiAssistant = {
        ...body.fields,
        id: randomUUID(),
        orgId,
        createdAt: now,
        updatedAt: now,
      };
      this.assistants.set(assistant.id, assistant);
      return { status: 201, body: assistant };
    }

    const assistant = this.assistants.get(id);
    if (assistant === undefined) return this.error(404, `Couldn't Find Assistant ${id}`);

    switch (request.method) {
      case 'GET':
        return { status: 200, body: assistant };
      case 'PATCH': {
        const body = this.#checkBody(request, assistantFields);
        if ('status' in body) return body;
        const updated: FakeVapiAssistant = {
          ...assistant,
          ...body.fields,
          id,
          updatedAt: new Date().toISOString(),
        };
        this.assistants.set(id, updated);
        return { status: 200, body: updated };
      }

      case 'DELETE':
        this.assistants.delete(id);
        return { status: 200, body: assistant };
      default:
        return this.error(404, `Cannot ${request.method} ${request.path}`);
    }
  }

  #call(request: RecordedRequest, id: string | undefined): Reply {
    if (id !== undefined && id !== '') {
      if (request.method !== 'GET')
        return this.error(404, `Cannot ${request.method} ${request.path}`);
      const call = this.calls.get(id);
      return call === undefined
        ? this.error(404, `Couldn't Find Call ${id}`)
        : { status: 200, body: call };
    }

    if (request.method !== 'POST')
      return this.error(404, `Cannot ${request.method} ${request.path}`);

    const body = this.#checkBody(request, callFields);
    if ('status' in body) return body;
    const customer = body.fields['customer'] as { number?: unknown } | undefined;
    if (typeof customer?.number !== 'string' || !/^\+[1-9]\d{1,14}$/.test(customer.number)) {
      return this.error(400, 'customer.number must be a valid phone number in the E.164 format.');
    }

    if (body.fields['assistantId'] === undefined && body.fields['assistant'] === undefined) {
      return this.error(400, 'Need Either `assistant` Or `assistantId` Or `squad` Or `squadId`.');
    }

    const now = new Date().toISOString();
    const active = this.activeCalls;
    const blocked = active >= this.concurrencyLimit;
    const call: FakeVapiCall = {
      id: randomUUID(),
      orgId,
      type: 'outboundPhoneCall',
      status: blocked ? 'ended' : 'queued',
      ...body.fields,
      phoneCallProvider: 'twilio',
      createdAt: now,
      updatedAt: now,
      monitor: { listenUrl: 'wss://fake.vapi/listen', controlUrl: 'https://fake.vapi/control' },
      subscriptionLimits: {
        concurrencyBlocked: blocked,
        concurrencyLimit: this.concurrencyLimit,
        remainingConcurrentCalls: Math.max(0, this.concurrencyLimit - active - (blocked ? 0 : 1)),
      },
    };
    if (!blocked) this.calls.set(call.id, call);
    return { status: 201, body: call };
  }

  #checkBody(
    request: RecordedRequest,
    allowed: ReadonlySet<string>,
  ): Reply | { fields: Record<string, unknown> } {
    const body = request.json;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return this.error(400, 'Request body must be a JSON object.');
    }

    const unknown = Object.keys(body).filter((key) => !allowed.has(key));
    if (unknown.length > 0) {
      return {
        status: 400,
        body: {
          message: unknown.map((key) => `property ${key} should not exist`),
          error: 'Bad Request',
          statusCode: 400,
        },
      };
    }

    return { fields: body as Record<string, unknown> };
  }
}

/**
 * Starts a fake Vapi on loopback.
 *
 * @example
 * ```ts
 * const vapi = await startFakeVapi({ apiKey: 'test-key' });
 * const client = new VapiClient({ apiKey: 'test-key', baseUrl: vapi.url });
 * vapi.fail({ status: 503, times: 3 });
 * await vapi.close();
 * ```
 */
export function startFakeVapi(options: FakeVapiOptions = {}): Promise<FakeVapi> {
  return new FakeVapi(options).start(options);
}

function statusName(status: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return names[status] ?? 'Error';
}
