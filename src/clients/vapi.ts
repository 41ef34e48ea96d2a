import { ApiClient, type ApiRequest } from '../http/api-client.js';
import { checkBaseUrl } from '../http/check-client-options.js';
import { isApiError } from '../http/api-error.js';
import type { CommonClientOptions } from '../http/client-options.js';
import { checkId, pathSegment } from '../http/path-segment.js';
import { checkOptions, checkSignal } from '../validation.js';
import { EnvironmentReader, secretCheck, uuidCheck, type Environment } from './env.js';
import { checkJsonBody, checkObject, checkPhoneNumber, checkSecret } from './option-checks.js';
import type {
  CreateAssistantOptions,
  DeleteAssistantOptions,
  GetVapiCallOptions,
  StartCallOptions,
  UpdateAssistantOptions,
  VapiAssistant,
  VapiCall,
} from './vapi-types.js';

/** Options of {@link VapiClient}, with those every client shares. */
export interface VapiClientOptions extends CommonClientOptions {
  /** The organisation's private API key, sent as `Authorization: Bearer <apiKey>`. */
  readonly apiKey: string;
  /**
   * The phone number calls are placed from, unless `startCall` names another.
   * @default undefined
   */
  readonly phoneNumberId?: string | undefined;
  /**
   * Scheme, host and port of the API; the client adds the paths.
   * @default 'https://api.vapi.ai'
   */
  readonly baseUrl?: string;
}

const isResource = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && typeof (body as { id?: unknown }).id === 'string';

/**
 * A client of Vapi's API (voice assistants and phone calls). Every operation runs through its own
 * breaker (`vapi:create_assistant`, `vapi:start_call`, ...). Creates are retried only when the
 * request never reached Vapi or Vapi answered 429, so a call is never placed twice; reads, updates
 * and deletes are retried after any transient failure.
 *
 * @example
 * ```ts
 * const vapi = VapiClient.fromEnv();
 * const assistant = await vapi.createAssistant({ config: { name: 'Receptionist' } });
 * const call = await vapi.startCall({ assistantId: assistant.id, phoneNumber: '+14155550100' });
 * const latest = await vapi.getCall({ callId: call.id }); // null while Vapi is down
 * ```
 */
export class VapiClient extends ApiClient {
  readonly #phoneNumberId: string | undefined;

  /**
   * @throws {TypeError | RangeError} when an option is invalid (never showing the key).
   */
  constructor(options: VapiClientOptions) {
    const { apiKey, phoneNumberId, baseUrl, ...common } = checkOptions(
      'options',
      options,
    ) as unknown as VapiClientOptions;
    const key = checkSecret('apiKey', apiKey, secretCheck);
    super({
      ...common,
      vendor: 'vapi',
      baseUrl: checkBaseUrl(baseUrl ?? 'https://api.vapi.ai'),
      headers: { Authorization: `Bearer ${key}` },
      secrets: [key],
    });
    this.#phoneNumberId =
      phoneNumberId === undefined ? undefined : checkId('phoneNumberId', phoneNumberId);
  }

  /**
   * Makes a client from `VAPI_API_KEY` (required) and `VAPI_PHONE_NUMBER_ID` (optional, a UUID);
   * `overrides` win over the environment.
   *
   * @throws {EnvironmentError} naming every missing or malformed variable, never a value.
   */
  static fromEnv(
    env: Environment = process.env,
    overrides: Partial<VapiClientOptions> = {},
  ): VapiClient {
    const reader = new EnvironmentReader(env);
    const apiKey = overrides.apiKey ?? reader.required('VAPI_API_KEY', secretCheck);
    const phoneNumberId =
      overrides.phoneNumberId ?? reader.optional('VAPI_PHONE_NUMBER_ID', uuidCheck);
    reader.finish('VapiClient');
    return new VapiClient({
      ...overrides,
      apiKey: apiKey ?? '',
      ...(phoneNumberId === undefined ? {} : { phoneNumberId }),
    });
  }

  /**
   * Creates an assistant (`POST /assistant`). Not retried once the request may have reached
   * Vapi: a repeat would create a second assistant.
   */
  async createAssistant(options: CreateAssistantOptions): Promise<VapiAssistant> {
    const args = checkOptions('options', options);
    const config = checkObject('config', args['config']);
    checkJsonBody('config', config);
    const request: ApiRequest = {
      method: 'POST',
      path: '/assistant',
      json: config,
      retry: 'unsent-only',
      accept: isResource,
    };
    const answer = await this.request<VapiAssistant>('create_assistant', request, {
      signal: checkSignal('signal', args['signal']),
    });
    return answer.body;
  }

  /**
   * Updates an assistant (`PATCH /assistant/{id}`); retried, as the same body gives the same
   * state.
   */
  async updateAssistant(options: UpdateAssistantOptions): Promise<VapiAssistant> {
    const args = checkOptions('options', options);
    const id = pathSegment('assistantId', args['assistantId']);
    const config = checkObject('config', args['config']);
    checkJsonBody('config', config);
    const request: ApiRequest = {
      method: 'PATCH',
      path: `/assistant/${id}`,
      json: config,
      retry: 'idempotent',
      accept: isResource,
    };
    const answer = await this.request<VapiAssistant>('update_assistant', request, {
      signal: checkSignal('signal', args['signal']),
    });
    return answer.body;
  }

  /**
   * Deletes an assistant (`DELETE /assistant/{id}`), resolving to the deleted assistant. A 404
   * on a retry means an earlier attempt deleted it and its answer was lost: that resolves to
   * `undefined`. A 404 on the first attempt rejects.
   */
  async deleteAssistant(options: DeleteAssistantOptions): Promise<VapiAssistant | undefined> {
    const args = checkOptions('options', options);
    const id = pathSegment('assistantId', args['assistantId']);
    const request: ApiRequest = { method: 'DELETE', path: `/assistant/${id}`, retry: 'idempotent' };
    return this.guard('delete_assistant', checkSignal('signal', args['signal']), (signal) =>
      this.retrying(signal, async (attempt) => {
        try {
          const answer = await this.send<VapiAssistant | undefined>(
            'delete_assistant',
            request,
            signal,
          );
          return answer.body;
        } catch (error) {
          if (attempt > 1 && isApiError(error) && error.status === 404) return undefined;
          throw error;
        }
      }),
    );
  }

  /**
   * Places an outbound phone call (`POST /call`). Never retried once the request may have reached
   * Vapi, as a repeat would ring the person twice; retried after a 429 or a refused connection.
   * A 201 whose `subscriptionLimits.concurrencyBlocked` is true means every call slot was busy and
   * no call was placed: it rejects with an `ApiError` of code `ERR_API_UNFULFILLED` and vendor
   * code `concurrency_blocked` (retried like a 429, never counted as a Vapi failure).
   */
  async startCall(options: StartCallOptions): Promise<VapiCall> {
    const args = checkOptions('options', options);
    const assistantId = checkId('assistantId', args['assistantId']);
    const number = checkPhoneNumber('phoneNumber', args['phoneNumber']);
    const phoneNumberId =
      args['phoneNumberId'] === undefined
        ? this.#phoneNumberId
        : checkId('phoneNumberId', args['phoneNumberId']);
    if (phoneNumberId === undefined) {
      throw new TypeError(
        'phoneNumberId is required: pass it, ' +
          'or give the client a phoneNumberId (VAPI_PHONE_NUMBER_ID)',
      );
    }

    const request: ApiRequest = {
      method: 'POST',
      path: '/call',
      json: { assistantId, phoneNumberId, customer: { number } },
      retry: 'unsent-only',
      accept: isResource,
    };
    // TODO(#4): after an ambiguous failure, list GET /call?phoneNumberId=&createdAtGt= and match a
    // correlation `name` to tell the caller whether the call was placed; today the caller gets
    // the ApiError (sent: true, retryable: false) and no second call is made.
    return this.guard('start_call', checkSignal('signal', args['signal']), (signal) =>
      this.retrying(signal, async () => {
        const answer = await this.send<VapiCall>('start_call', request, signal);
        const limits = answer.body.subscriptionLimits;
        if (limits?.concurrencyBlocked === true) {
          const limit =
            limits.concurrencyLimit === undefined ? '' : ` (limit ${limits.concurrencyLimit})`;
          throw this.unfulfilled('start_call', request, {
            status: answer.status,
            vendorCode: 'concurrency_blocked',
            vendorMessage: `every concurrent call slot is busy${limit}; the call was not placed`,
            retryable: true,
            requestId: answer.requestId,
          });
        }

        return answer.body;
      }),
    );
  }

  /**
   * Reads a call (`GET /call/{id}`). Resolves to `null` when the breaker refuses or Vapi fails,
   * so a page can degrade; rejects with an `ApiError` for a 404 or another caller's mistake.
   */
  async getCall(options: GetVapiCallOptions): Promise<VapiCall | null> {
    const args = checkOptions('options', options);
    const id = pathSegment('callId', args['callId']);
    const request: ApiRequest = {
      method: 'GET',
      path: `/call/${id}`,
      retry: 'idempotent',
      accept: isResource,
    };
    return this.guardOrNull('get_call', checkSignal('signal', args['signal']), (signal) =>
      this.retrying(signal, () => this.send<VapiCall>('get_call', request, signal)).then(
        (answer) => answer.body,
      ),
    );
  }
}
