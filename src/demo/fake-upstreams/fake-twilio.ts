import {
  FakeUpstream,
  type FakeUpstreamOptions,
  type RecordedRequest,
  type Reply,
} from './fake-upstream.js';
import { randomId } from './random-id.js';

/** Options of {@link startFakeTwilio}. */
export interface FakeTwilioOptions extends FakeUpstreamOptions {
  /**
   * The Account SID that paths and credentials must carry; any passes when unset.
   * @default undefined
   */
  readonly accountSid?: string;
  /**
   * The Auth Token the HTTP Basic credentials must carry; any passes when unset.
   * @default undefined
   */
  readonly authToken?: string;
}

/** A resource as the fake stores it (Twilio's snake_case fields). */
export type FakeTwilioResource = Record<string, unknown> & { readonly sid: string };

const notFound = 20404;

/**
 * A fake of Twilio's REST API 2010-04-01 on loopback: Calls, Messages, AvailablePhoneNumbers
 * and IncomingPhoneNumbers under `/2010-04-01/Accounts/{sid}/`, `.json` suffix required, HTTP
 * Basic auth, form bodies, 201 on creates and Twilio's error shape.
 */
export class FakeTwilio extends FakeUpstream {
  readonly vendor = 'twilio';
  /** Calls by SID. */
  readonly calls = new Map<string, FakeTwilioResource>();
  /** Messages by SID. */
  readonly messages = new Map<string, FakeTwilioResource>();
  /** Numbers the account owns, by SID. */
  readonly numbers = new Map<string, FakeTwilioResource>();
  /** Numbers someone else bought: searches no longer list them and buying them fails. */
  readonly taken = new Set<string>();
  readonly #accountSid: string | undefined;
  readonly #authToken: string | undefined;
  readonly #available = new Map<string, readonly string[]>();

  constructor(options: FakeTwilioOptions = {}) {
    super(options);
    this.#accountSid = options.accountSid;
    this.#authToken = options.authToken;
  }

  /** Starts listening; see {@link startFakeTwilio}. */
  start(options: FakeTwilioOptions = {}): Promise<this> {
    return this.listen(options);
  }

  /**
   * Sets the numbers a search of `areaCode` finds (an empty list: none left). By default each
   * area code offers five, `+1{area}5550100` to `+1{area}5550104`.
   */
  setAvailableNumbers(areaCode: string, numbers: readonly string[]): this {
    this.#available.set(areaCode, numbers);
    return this;
  }

  protected route(request: RecordedRequest): Reply {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/(.+)$/.exec(request.path);
    if (match === null)
      return this.error(404, `The requested resource ${request.path} was not found`);

    const [, sid = '', resource = ''] = match;
    if (!this.#authorized(request, sid)) {
      return {
        status: 401,
        body: {
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        },
      };
    }

    if (!resource.endsWith('.json')) {
      return {
        status: 404,
        text:
          `<?xml version='1.0' encoding='UTF-8'?>\n` +
          '<TwilioResponse><RestException><Code>20404</Code>' +
          `<Message>The requested resource ${request.path} was not found</Message>` +
          '<Status>404</Status></RestException></TwilioResponse>',
        headers: { 'Content-Type': 'application/xml' },
      };
    }

    const path = resource.slice(0, -'.json'.length);
    const key = `${request.method} ${path.replace(/\/[^/]+$/, '/{sid}')}`;
    switch (key) {
      case 'POST Calls':
        return this.#makeCall(request, sid);
      case 'GET Calls':
        return this.#list('calls', this.calls, request, {
          To: 'to',
          From: 'from',
          Status: 'status',
        });
      case 'GET Calls/{sid}':
        return this.#fetch(this.calls, path);
      case 'POST Messages':
        return this.#sendMessage(request, sid);
      case 'GET Messages/{sid}':
        return this.#fetch(this.messages, path);
      case 'POST IncomingPhoneNumbers':
        return this.#buyNumber(request, sid);
      case 'GET IncomingPhoneNumbers':
        return this.#list('incoming_phone_numbers', this.numbers, request, {
          PhoneNumber: 'phone_number',
        });
      default:
        if (request.method === 'GET' && /^AvailablePhoneNumbers\/US\/Local$/.test(path))
          return this.#search(request);
        return this.error(404, `The requested resource ${request.path} was not found`);
    }
  }

  protected errorBody(status: number, message: string): unknown {
    const code =
      status === 429
        ? 20429
        : status === 404
          ? notFound
          : status >= 500
            ? 20500
            : 21200 + (status % 100);
    return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
  }

  protected answerHeaders(): Record<string, string> {
    return { 'Twilio-Request-Id': randomId('RQ', 32), 'Twilio-Concurrent-Requests': '1' };
  }

  #authorized(request: RecordedRequest, pathSid: string): boolean {
    const auth = request.headers['authorization'] ?? '';
    if (!auth.startsWith('Basic ')) return false;

    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return false;

    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (user !== pathSid || password === '') return false;
    if (this.#accountSid !== undefined && user !== this.#accountSid) return false;
    return this.#authToken === undefined || password === this.#authToken;
  }

  #invalid(code: number, message: string): Reply {
    return {
      status: 400,
      body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 },
    };
  }

  #makeCall(request: RecordedRequest, accountSid: string): Reply {
    const form = request.form ?? new URLSearchParams();
    const to = form.get('To');
    const from = form.get('From');
    if (to === null || !isE164(to))
      return this.#invalid(21211, `Invalid 'To' Phone Number: ${to ?? ''}`);
    if (from === null || !isE164(from))
      return this.#invalid(21212, `Invalid 'From' Phone Number: ${from ?? ''}`);
    if (!form.has('Url') && !form.has('Twiml') && !form.has('ApplicationSid')) {
      return this.#invalid(21205, 'Url parameter is required.');
    }

    const sid = randomId('CA', 32);
    const now = new Date().toUTCString().replace('GMT', '+0000');
    const call: FakeTwilioResource = {
      sid,
      account_sid: accountSid,
      to,
      from,
      to_formatted: to,
      from_formatted: from,
      status: 'queued',
      direction: 'outbound-api',
      start_time: null,
      end_time: null,
      duration: null,
      price: null,
      price_unit: 'USD',
      answered_by: null,
      api_version: '2010-04-01',
      date_created: now,
      date_updated: now,
      uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
    };
    this.calls.set(sid, call);
    return { status: 201, body: call };
  }

  #sendMessage(request: RecordedRequest, accountSid: string): Reply {
    const form = request.form ?? new URLSearchParams();
    const to = form.get('To');
    const from = form.get('From');
    const body = form.get('Body');
    if (to === null || !isE164(to))
      return this.#invalid(21211, `Invalid 'To' Phone Number: ${to ?? ''}`);
    if (from === null && !form.has('MessagingServiceSid'))
      return this.#invalid(21603, "A 'From' phone number is required.");
    if (body === null || body === '') return this.#invalid(21602, 'Message body is required.');
    if (body.length > 1_600)
      return this.#invalid(
        21617,
        'The concatenated message body exceeds the 1600 character limit.',
      );

    const sid = randomId('SM', 32);
    const now = new Date().toUTCString().replace('GMT', '+0000');
    const message: FakeTwilioResource = {
      sid,
      account_sid: accountSid,
      to,
      from,
      body,
      status: 'queued',
      num_segments: String(Math.max(1, Math.ceil(body.length / 160))),
      num_media: '0',
      direction: 'outbound-api',
      price: null,
      price_unit: 'USD',
      error_code: null,
      error_message: null,
      messaging_service_sid: null,
      date_created: now,
      date_sent: null,
      date_updated: now,
      api_version: '2010-04-01',
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    };
    this.messages.set(sid, message);
    return { status: 201, body: message };
  }

  #search(request: RecordedRequest): Reply {
    const areaCode = request.query.get('AreaCode') ?? '';
    if (!/^\d{3}$/.test(areaCode)) return this.#invalid(21421, 'AreaCode is invalid.');

    const owned = new Set([...this.numbers.values()].map((item) => item['phone_number']));
    const numbers = (this.#available.get(areaCode) ?? defaultNumbers(areaCode)).filter(
      (number) => !owned.has(number) && !this.taken.has(number),
    );
    return {
      status: 200,
      body: {
        available_phone_numbers: numbers.map((number) => ({
          friendly_name: `(${number.slice(2, 5)}) ${number.slice(5, 8)}-${number.slice(8)}`,
          phone_number: number,
          lata: '722',
          locality: 'Fakeville',
          rate_center: 'FAKEVILLE',
          region: 'CA',
          postal_code: '94105',
          iso_country: 'US',
          address_requirements: 'none',
          beta: false,
          capabilities: { voice: true, SMS: true, MMS: true, fax: false },
        })),
        uri: request.url,
      },
    };
  }

  #buyNumber(request: RecordedRequest, accountSid: string): Reply {
    const form = request.form ?? new URLSearchParams();
    const number = form.get('PhoneNumber');
    const areaCode = form.get('AreaCode');
    if ((number === null) === (areaCode === null)) {
      return this.#invalid(21450, 'Exactly one of PhoneNumber or AreaCode is required.');
    }

    let chosen = number;
    if (chosen === null) {
      chosen =
        (
          this.#search({ ...request, query: new URLSearchParams({ AreaCode: areaCode ?? '' }) })
            .body as {
            available_phone_numbers: { phone_number: string }[];
          }
        ).available_phone_numbers[0]?.phone_number ?? null;
      if (chosen === null) return this.#invalid(21452, 'No phone numbers found in area code.');
    }

    const owned = [...this.numbers.values()].some((item) => item['phone_number'] === chosen);
    const offered = (
      this.#available.get(chosen.slice(2, 5)) ?? defaultNumbers(chosen.slice(2, 5))
    ).includes(chosen);
    if (owned || !offered || this.taken.has(chosen)) {
      return this.#invalid(21422, `PhoneNumber ${chosen} is not available.`);
    }

    const sid = randomId('PN', 32);
    const now = new Date().toUTCString().replace('GMT', '+0000');
    const bought: FakeTwilioResource = {
      sid,
      account_sid: accountSid,
      phone_number: chosen,
      friendly_name: form.get('FriendlyName') ?? chosen,
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      voice_url: form.get('VoiceUrl'),
      voice_method: 'POST',
      sms_url: form.get('SmsUrl'),
      status_callback: form.get('StatusCallback'),
      address_requirements: 'none',
      status: 'in-use',
      origin: 'twilio',
      date_created: now,
      date_updated: now,
      uri: `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${sid}.json`,
    };
    this.numbers.set(sid, bought);
    return { status: 201, body: bought };
  }

  #fetch(store: ReadonlyMap<string, FakeTwilioResource>, path: string): Reply {
    const sid = path.slice(path.lastIndexOf('/') + 1);
    const found = store.get(sid);
    return found === undefined
      ? this.error(404, `The requested resource ${path}.json was not found`)
      : { status: 200, body: found };
  }

  #list(
    name: string,
    store: ReadonlyMap<string, FakeTwilioResource>,
    request: RecordedRequest,
    filters: Readonly<Record<string, string>>,
  ): Reply {
    const items = [...store.values()].filter((item) =>
      Object.entries(filters).every(([param, field]) => {
        const wanted = request.query.get(param);
        return wanted === null || item[field] === wanted;
      }),
    );
    return { status: 200, body: { [name]: items, page: 0, page_size: 50, uri: request.url } };
  }
}

/**
 * Starts a fake Twilio on loopback.
 *
 * @example
 * ```ts
 * const twilio = await startFakeTwilio({ accountSid, authToken });
 * const client = new TwilioClient({ accountSid, authToken, baseUrl: twilio.url });
 * twilio.fail({ status: 500, path: 'Messages.json' });
 * ```
 */
export function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  return new FakeTwilio(options).start(options);
}

function isE164(value: string): boolean {
  return /^\+[1-9]\d{1,14}$/.test(value);
}

function defaultNumbers(areaCode: string): readonly string[] {
  return [0, 1, 2, 3, 4].map((index) => `+1${areaCode}555010${index}`);
}
