import { ApiClient, type ApiRequest } from '../http/api-client.js';
import { checkBaseUrl } from '../http/check-client-options.js';
import { isApiError, type ApiError } from '../http/api-error.js';
import type { CommonClientOptions } from '../http/client-options.js';
import { pathSegment } from '../http/path-segment.js';
import { checkOptions, checkSignal, show } from '../validation.js';
import {
  EnvironmentReader,
  accountSidCheck,
  secretCheck,
  urlCheck,
  type Environment,
} from './env.js';
import { checkPhoneNumber, checkSecret, checkText, checkUrl } from './option-checks.js';
import type {
  GetTwilioCallOptions,
  MakeCallOptions,
  ProvisionNumberOptions,
  SendSmsOptions,
  TwilioCall,
  TwilioCallEvent,
  TwilioMessage,
  TwilioPhoneNumber,
} from './twilio-types.js';

/** Options of {@link TwilioClient}, with those every client shares. */
export interface TwilioClientOptions extends CommonClientOptions {
  /** The Account SID, `AC` and 32 hexadecimal digits; it is part of every path. */
  readonly accountSid: string;
  /** The account's Auth Token, sent with the SID as HTTP Basic credentials. */
  readonly authToken: string;
  /**
   * Where Twilio reports call and message status, unless a call names another.
   * @default undefined
   */
  readonly statusCallbackUrl?: string | undefined;
  /**
   * The TwiML URL a call fetches when answered, unless `makeCall` names another; also the voice
   * URL of numbers bought with `provisionNumber`.
   * @default undefined
   */
  readonly voiceUrl?: string | undefined;
  /**
   * Scheme, host and port of the API; the client adds `/2010-04-01/Accounts/{sid}/...`.
   * @default 'https://api.twilio.com'
   */
  readonly baseUrl?: string;
}

const callEvents = new Set(['initiated', 'ringing', 'answered', 'completed']);
/** Twilio's code for a number someone else bought between our search and our purchase. */
const numberTaken = 21422;
/** Numbers of one search tried in turn when the previous one was taken. */
const candidates = 3;

const hasSid = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && typeof (body as { sid?: unknown }).sid === 'string';

/**
 * A client of Twilio's REST API 2010-04-01 (calls, SMS, phone numbers). Every operation runs
 * through its own breaker (`twilio:make_call`, `twilio:send_sms`, ...). Twilio has no idempotency
 * key, so calls, messages and number purchases are retried only when the request never reached
 * Twilio or Twilio answered 429 (which it never processes): never after a timeout or a 5xx, which
 * would risk a second call, SMS or purchase. Reads are retried after any transient failure.
 *
 * @example
 * ```ts
 * const twilio = TwilioClient.fromEnv();
 * const sms = await twilio.sendSms({ to: '+14155550100', from: '+14155550199', body: 'Hi' });
 * const number = await twilio.provisionNumber({ areaCode: '415' });
 * ```
 */
export class TwilioClient extends ApiClient {
  /** The Account SID the client acts for. */
  readonly accountSid: string;
  readonly #statusCallbackUrl: string | undefined;
  readonly #voiceUrl: string | undefined;

  /**
   * @throws {TypeError | RangeError} when an option is invalid (never showing the token).
   */
  constructor(options: TwilioClientOptions) {
    const { accountSid, authToken, statusCallbackUrl, voiceUrl, baseUrl, ...common } = checkOptions(
      'options',
      options,
    ) as unknown as TwilioClientOptions;
    const sid = checkSecret('accountSid', accountSid, accountSidCheck);
    const token = checkSecret('authToken', authToken, secretCheck);
    const credentials = Buffer.from(`${sid}:${token}`).toString('base64');
    super({
      ...common,
      vendor: 'twilio',
      baseUrl: checkBaseUrl(baseUrl ?? 'https://api.twilio.com'),
      headers: { Authorization: `Basic ${credentials}` },
      secrets: [token, credentials],
      formArrays: 'repeat',
      requestIdHeaders: ['twilio-request-id'],
    });
    this.accountSid = sid;
    this.#statusCallbackUrl = checkUrl('statusCallbackUrl', statusCallbackUrl);
    this.#voiceUrl = checkUrl('voiceUrl', voiceUrl);
  }

  /**
   * Makes a client from `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` (required), and
   * `TWILIO_STATUS_CALLBACK_URL` and `TWILIO_VOICE_URL` (optional); `overrides` win.
   *
   * @throws {EnvironmentError} naming every missing or malformed variable, never a value.
   */
  static fromEnv(
    env: Environment = process.env,
    overrides: Partial<TwilioClientOptions> = {},
  ): TwilioClient {
    const reader = new EnvironmentReader(env);
    const accountSid =
      overrides.accountSid ?? reader.required('TWILIO_ACCOUNT_SID', accountSidCheck);
    const authToken = overrides.authToken ?? reader.required('TWILIO_AUTH_TOKEN', secretCheck);
    const statusCallbackUrl =
      overrides.statusCallbackUrl ?? reader.optional('TWILIO_STATUS_CALLBACK_URL', urlCheck);
    const voiceUrl = overrides.voiceUrl ?? reader.optional('TWILIO_VOICE_URL', urlCheck);
    reader.finish('TwilioClient');
    return new TwilioClient({
      ...overrides,
      accountSid: accountSid ?? '',
      authToken: authToken ?? '',
      ...(statusCallbackUrl === undefined ? {} : { statusCallbackUrl }),
      ...(voiceUrl === undefined ? {} : { voiceUrl }),
    });
  }

  /**
   * Places a phone call (`POST .../Calls.json`). Never retried once it may have reached Twilio;
   * after a timeout or a 5xx, look the call up (`GET .../Calls.json?To=...&StartTime>=...`)
   * rather than place it again.
   */
  async makeCall(options: MakeCallOptions): Promise<TwilioCall> {
    const args = checkOptions('options', options);
    const to = checkPhoneNumber('to', args['to']);
    const from = checkPhoneNumber('from', args['from']);
    const url = checkUrl('url', args['url']) ?? this.#voiceUrl;
    if (url === undefined) {
      throw new TypeError(
        'url is required: pass it, or give the client a voiceUrl (TWILIO_VOICE_URL)',
      );
    }

    const statusCallback =
      checkUrl('statusCallback', args['statusCallback']) ?? this.#statusCallbackUrl;
    const events = checkEvents(args['statusCallbackEvents']);
    const request: ApiRequest = {
      method: 'POST',
      path: this.#path('Calls.json'),
      form: {
        To: to,
        From: from,
        Url: url,
        StatusCallback: statusCallback,
        StatusCallbackEvent: events,
      },
      retry: 'unsent-only',
      accept: hasSid,
    };
    // TODO(#4): after an ambiguous failure (a timeout or 5xx once sent), look the call up with
    // GET .../Calls.json?To=&From=&StartTime>= instead of leaving it to the caller; telling our
    // call from another to the same number needs a correlation token in Url or StatusCallback.
    const answer = await this.request<TwilioCall>('make_call', request, {
      signal: checkSignal('signal', args['signal']),
    });
    return answer.body;
  }

  /**
   * Reads a call (`GET .../Calls/{sid}.json`). Resolves to `null` when the breaker refuses or
   * Twilio fails; rejects with an `ApiError` for a 404 or another caller's mistake.
   */
  async getCall(options: GetTwilioCallOptions): Promise<TwilioCall | null> {
    const args = checkOptions('options', options);
    const sid = pathSegment('callSid', args['callSid']);
    const request: ApiRequest = {
      method: 'GET',
      path: this.#path(`Calls/${sid}.json`),
      retry: 'idempotent',
      accept: hasSid,
    };
    return await this.guardOrNull(
      'get_call',
      checkSignal('signal', args['signal']),
      async (signal) => {
        const answer = await this.retrying(signal, () =>
          this.send<TwilioCall>('get_call', request, signal),
        );
        return answer.body;
      },
    );
  }

  /**
   * Buys a number in a US or Canadian area code: searches the available local numbers with voice
   * and SMS, then buys that specific number (never "any number in the area code", which a retry
   * could turn into two purchases). The search is retried freely; the purchase only when it never
   * reached Twilio or got a 429. When someone else bought the number first, the next one found
   * is tried (up to three). After an ambiguous failure of the purchase (a timeout, a 5xx) the
   * account's numbers are looked up, and a number that did get bought is returned.
   * No number left in the area code rejects with an `ApiError` of code `ERR_API_UNFULFILLED`.
   */
  async provisionNumber(options: ProvisionNumberOptions): Promise<TwilioPhoneNumber> {
    const args = checkOptions('options', options);
    const areaCode = checkAreaCode(args['areaCode']);
    const search: ApiRequest = {
      method: 'GET',
      path: this.#path('AvailablePhoneNumbers/US/Local.json'),
      query: { AreaCode: areaCode, VoiceEnabled: true, SmsEnabled: true },
      retry: 'idempotent',
      accept: (body) =>
        Array.isArray(
          (body as { available_phone_numbers?: unknown } | undefined)?.available_phone_numbers,
        ),
    };

    return await this.guard(
      'provision_number',
      checkSignal('signal', args['signal']),
      async (signal) => {
        const found = await this.retrying(signal, () =>
          this.send<{ available_phone_numbers: { phone_number?: unknown }[] }>(
            'provision_number',
            search,
            signal,
          ),
        );
        const numbers = found.body.available_phone_numbers
          .map((item) => item.phone_number)
          .filter((item): item is string => typeof item === 'string')
          .slice(0, candidates);
        if (numbers.length === 0) {
          throw this.unfulfilled('provision_number', search, {
            status: found.status,
            vendorCode: 21452,
            vendorMessage:
              'no local number with voice and SMS is available ' + `in area code ${areaCode}`,
            retryable: false,
            requestId: found.requestId,
          });
        }

        const [first = '', ...rest] = numbers;
        return await this.#buyFirst(first, rest, signal);
      },
    );
  }

  /**
   * Sends an SMS (`POST .../Messages.json`). Never retried once it may have reached Twilio; a 201
   * means accepted, and delivery is reported to the status callback.
   */
  async sendSms(options: SendSmsOptions): Promise<TwilioMessage> {
    const args = checkOptions('options', options);
    const to = checkPhoneNumber('to', args['to']);
    const from = checkPhoneNumber('from', args['from']);
    const body = checkText('body', args['body'], 1_600);
    const statusCallback =
      checkUrl('statusCallback', args['statusCallback']) ?? this.#statusCallbackUrl;
    const request: ApiRequest = {
      method: 'POST',
      path: this.#path('Messages.json'),
      form: { To: to, From: from, Body: body, StatusCallback: statusCallback },
      retry: 'unsent-only',
      accept: hasSid,
    };
    // TODO(#4): after an ambiguous failure, look the message up with
    // GET .../Messages.json?To=&From=&DateSent>= rather than leave the caller to reconcile.
    const answer = await this.request<TwilioMessage>('send_sms', request, {
      signal: checkSignal('signal', args['signal']),
    });
    return answer.body;
  }

  /** Buys `number`, or when someone else bought it first, the next of `rest`. */
  async #buyFirst(
    number: string,
    rest: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<TwilioPhoneNumber> {
    try {
      return await this.#buy(number, signal);
    } catch (error) {
      const [next, ...others] = rest;
      if (next === undefined || !isApiError(error) || error.vendorCode !== numberTaken) throw error;
      return await this.#buyFirst(next, others, signal);
    }
  }

  async #buy(number: string, signal: AbortSignal | undefined): Promise<TwilioPhoneNumber> {
    const buy: ApiRequest = {
      method: 'POST',
      path: this.#path('IncomingPhoneNumbers.json'),
      form: { PhoneNumber: number, VoiceUrl: this.#voiceUrl },
      retry: 'unsent-only',
      accept: hasSid,
    };
    try {
      const bought = await this.retrying(signal, () =>
        this.send<TwilioPhoneNumber>('provision_number', buy, signal),
      );
      return bought.body;
    } catch (error) {
      if (!isApiError(error) || !ambiguous(error)) throw error;

      const owned = await this.#owned(number, signal).catch(() => undefined);
      if (owned === undefined) throw error;
      return owned;
    }
  }

  /** The account's number `number`, if it owns it. */
  async #owned(
    number: string,
    signal: AbortSignal | undefined,
  ): Promise<TwilioPhoneNumber | undefined> {
    const lookup: ApiRequest = {
      method: 'GET',
      path: this.#path('IncomingPhoneNumbers.json'),
      query: { PhoneNumber: number },
      retry: 'idempotent',
    };
    const answer = await this.retrying(signal, () =>
      this.send<{ incoming_phone_numbers?: TwilioPhoneNumber[] }>(
        'provision_number',
        lookup,
        signal,
      ),
    );
    return answer.body.incoming_phone_numbers?.find((item) => item.phone_number === number);
  }

  #path(resource: string): string {
    return `/2010-04-01/Accounts/${this.accountSid}/${resource}`;
  }
}

/** True when a request may or may not have been carried out: it was sent, and no 4xx came back. */
function ambiguous(error: ApiError): boolean {
  if (!error.sent) return false;
  if (error.code === 'ERR_API_STATUS') return error.status === undefined || error.status >= 500;
  return error.code !== 'ERR_API_UNFULFILLED';
}

function checkAreaCode(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TypeError(`areaCode must be a string or a number, received ${show(value)}`);
  }

  const text = String(value);
  if (!/^[2-9]\d{2}$/.test(text)) {
    throw new RangeError(
      `areaCode must be three digits, the first 2 to 9, received ${show(value)}`,
    );
  }

  return text;
}

function checkEvents(value: unknown): readonly TwilioCallEvent[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new TypeError(`statusCallbackEvents must be an array, received ${show(value)}`);
  }

  for (const item of value as unknown[]) {
    if (typeof item !== 'string' || !callEvents.has(item)) {
      throw new RangeError(
        'statusCallbackEvents must hold "initiated", "ringing", "answered" or "completed", ' +
          `received ${show(item)}`,
      );
    }
  }

  return value as TwilioCallEvent[];
}
