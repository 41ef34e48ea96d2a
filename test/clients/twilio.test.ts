import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore, isCircuitOpenError } from 'breakwater';
import { TwilioClient, type ApiError, type TwilioClientOptions } from 'breakwater/clients';
import { startFakeTwilio, type FakeTwilio } from '../../src/demo/fake-upstreams/index.js';
import { captureLogger, freePort, instantClock, rejectionOf } from '../http/harness.js';

const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
const authToken = 'twilio-auth-token-9d8c7b6a5f4e';
const base = `/2010-04-01/Accounts/${accountSid}`;
const sms = { to: '+14155550100', from: '+14155550199', body: 'Your code is 123456' };
let twilio: FakeTwilio;
let log: ReturnType<typeof captureLogger>;

function client(options: Partial<TwilioClientOptions> = {}): TwilioClient {
  return new TwilioClient({
    accountSid,
    authToken,
    baseUrl: twilio.url,
    voiceUrl: 'https://app.example.com/twiml/answer',
    store: new MemoryStore(),
    logger: log.logger,
    clock: instantClock(),
    timeout: 200,
    ...options,
  });
}

function formOf(index: number): [string, string][] {
  return [...(twilio.requests[index]?.form ?? new URLSearchParams())];
}

beforeEach(async () => {
  twilio = await startFakeTwilio({ accountSid, authToken });
  log = captureLogger();
});

afterEach(async () => {
  await twilio.close();
});

describe('TwilioClient on the wire', () => {
  it('sends an SMS: POST .../Messages.json, HTTP Basic, a form body in PascalCase', async () => {
    const message = await client({
      statusCallbackUrl: 'https://app.example.com/twilio/status',
    }).sendSms(sms);
    const request = twilio.requests[0];

    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`${base}/Messages.json`);
    expect(request?.headers['authorization']).toBe(
      `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
    );
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['accept']).toBe('application/json');
    expect(formOf(0)).toEqual([
      ['To', '+14155550100'],
      ['From', '+14155550199'],
      ['Body', 'Your code is 123456'],
      ['StatusCallback', 'https://app.example.com/twilio/status'],
    ]);
    expect(message).toMatchObject({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/) as unknown,
      status: 'queued',
    });
  });

  it('places a call: POST .../Calls.json with Url, StatusCallback and repeated StatusCallbackEvent', async () => {
    const call = await client().makeCall({
      to: '+14155550100',
      from: '+14155550199',
      statusCallback: 'https://app.example.com/calls/status',
      statusCallbackEvents: ['initiated', 'answered', 'completed'],
    });

    expect(twilio.requests[0]?.path).toBe(`${base}/Calls.json`);
    expect(twilio.requests[0]?.body).toBe(
      'To=%2B14155550100&From=%2B14155550199&Url=https%3A%2F%2Fapp.example.com%2Ftwiml%2Fanswer' +
        '&StatusCallback=https%3A%2F%2Fapp.example.com%2Fcalls%2Fstatus' +
        '&StatusCallbackEvent=initiated&StatusCallbackEvent=answered&StatusCallbackEvent=completed',
    );
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
  });

  it('lets a call name its own Url, and requires one', async () => {
    await client().makeCall({
      to: '+14155550100',
      from: '+14155550199',
      url: 'https://x.test/twiml',
    });

    expect(twilio.requests[0]?.form?.get('Url')).toBe('https://x.test/twiml');
    await expect(
      client({ voiceUrl: undefined }).makeCall({ to: '+14155550100', from: '+14155550199' }),
    ).rejects.toThrow(/url is required/);
  });

  it('reads a call with GET .../Calls/{sid}.json', async () => {
    const twilioClient = client();
    const placed = await twilioClient.makeCall({ to: '+14155550100', from: '+14155550199' });
    const call = await twilioClient.getCall({ callSid: placed.sid });

    expect(twilio.requests[1]).toMatchObject({
      method: 'GET',
      path: `${base}/Calls/${placed.sid}.json`,
      body: '',
    });
    expect(call?.sid).toBe(placed.sid);
  });

  it('provisions a number: searches the area code, then buys that specific number', async () => {
    const number = await client().provisionNumber({ areaCode: '415' });

    expect(twilio.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      `GET ${base}/AvailablePhoneNumbers/US/Local.json?AreaCode=415&VoiceEnabled=true&SmsEnabled=true`,
      `POST ${base}/IncomingPhoneNumbers.json`,
    ]);
    expect(formOf(1)).toEqual([
      ['PhoneNumber', '+14155550100'],
      ['VoiceUrl', 'https://app.example.com/twiml/answer'],
    ]);
    expect(number).toMatchObject({
      phone_number: '+14155550100',
      sid: expect.stringMatching(/^PN/) as unknown,
    });
    expect(twilio.numbers.size).toBe(1);
  });

  it('accepts an area code as a number, and refuses one that is not three digits', async () => {
    await client().provisionNumber({ areaCode: 212 });

    expect(twilio.requests[0]?.query.get('AreaCode')).toBe('212');
    await expect(client().provisionNumber({ areaCode: '41' })).rejects.toThrow(
      /areaCode must be three digits/,
    );
    await expect(client().provisionNumber({ areaCode: 'abc' })).rejects.toThrow(RangeError);
    await expect(client().provisionNumber({ areaCode: {} as never })).rejects.toThrow(TypeError);
  });

  it('buys the next number found when someone else bought the first', async () => {
    twilio.fail({
      status: 400,
      method: 'POST',
      body: { code: 21422, message: 'PhoneNumber +14155550100 is not available.', status: 400 },
    });
    const number = await client().provisionNumber({ areaCode: 415 });

    expect(number.phone_number).toBe('+14155550101');
    expect(
      twilio.requests.map((request) => request.form?.get('PhoneNumber') ?? request.method),
    ).toEqual(['GET', '+14155550100', '+14155550101']);
  });

  it('rejects an area code with no number left as unfulfilled, without tripping the breaker', async () => {
    twilio.setAvailableNumbers('415', []);
    const twilioClient = client();
    const error = (await rejectionOf(twilioClient.provisionNumber({ areaCode: 415 }))) as ApiError;

    expect(error.code).toBe('ERR_API_UNFULFILLED');
    expect(error.vendorCode).toBe(21452);
    expect(twilio.requests).toHaveLength(1);
    expect(await twilioClient.breaker('provision_number').state()).toBe('closed');
  });

  it("reports Twilio's error code and message", async () => {
    twilio.fail({
      status: 400,
      body: {
        code: 21610,
        message: 'Attempt to send to unsubscribed recipient',
        more_info: 'https://www.twilio.com/docs/errors/21610',
        status: 400,
      },
    });
    const error = (await rejectionOf(client().sendSms(sms))) as ApiError;

    expect(error.status).toBe(400);
    expect(error.vendorCode).toBe(21610);
    expect(error.vendorMessage).toBe('Attempt to send to unsubscribed recipient');
    expect(error.requestId).toMatch(/^RQ[0-9a-f]{32}$/);
    expect(error.message).toBe(
      `twilio:send_sms: POST ${base}/Messages.json answered 400 (21610): Attempt to send to unsubscribed recipient`,
    );
  });

  it('checks phone numbers before sending', async () => {
    await expect(client().sendSms({ ...sms, to: '+1' })).rejects.toThrow(
      /to must be an E.164 phone number/,
    );
    await expect(client().sendSms({ ...sms, body: '' })).rejects.toThrow(/body must be 1 to 1600/);
    expect(twilio.requests).toHaveLength(0);
  });
});

describe('TwilioClient without duplicate side effects', () => {
  it('sends no second SMS after a 500, and the breaker then refuses without a request', async () => {
    twilio.fail({ status: 500, times: 3 });
    const twilioClient = client();
    const error = (await rejectionOf(twilioClient.sendSms(sms))) as ApiError;

    expect(error.status).toBe(500);
    expect(error.retryable).toBe(false);
    expect(twilio.requests).toHaveLength(1);

    const refused = await rejectionOf(twilioClient.sendSms(sms));
    expect(isCircuitOpenError(refused)).toBe(true);
    expect(twilio.requests).toHaveLength(1);
  });

  it('sends no second SMS after a timeout, though the first was carried out', async () => {
    twilio.fail({ type: 'slow', delay: 400 });
    const error = (await rejectionOf(client().sendSms(sms))) as ApiError;

    expect(error.code).toBe('ERR_API_TIMEOUT');
    expect(twilio.requests).toHaveLength(1);
    expect(twilio.messages.size).toBe(1);
  });

  it('places no second call after a 503, a timeout or a reset', async () => {
    const call = { to: '+14155550100', from: '+14155550199' };
    twilio.fail({ status: 503 }).fail({ type: 'hang' }).fail({ type: 'reset' });
    const twilioClient = client({ breaker: { threshold: 5 } });
    for (let attempt = 0; attempt < 3; attempt += 1) await rejectionOf(twilioClient.makeCall(call));

    expect(twilio.requests.map((request) => request.fault)).toEqual(['status', 'hang', 'reset']);
  });

  it('retries an SMS refused with a 429, which Twilio never processes', async () => {
    twilio.fail({ status: 429, times: 2 });
    const twilioClient = client();
    await twilioClient.sendSms(sms);

    expect(twilio.requests).toHaveLength(3);
    expect(twilio.messages.size).toBe(1);
    expect(await twilioClient.breaker('send_sms').state()).toBe('closed');
  });

  it('retries an SMS whose connection was refused, so exactly one reaches Twilio', async () => {
    const port = await freePort();
    let later: FakeTwilio | undefined;
    const twilioClient = client({
      baseUrl: `http://127.0.0.1:${port}`,
      clock: {
        now: () => Date.now(),
        setTimeout: (callback: () => void) => {
          void startFakeTwilio({ port, accountSid, authToken }).then((started) => {
            later = started;
            callback();
          });
          return 0;
        },
        clearTimeout: () => undefined,
      },
    });

    try {
      await twilioClient.sendSms(sms);
      expect(later?.requests).toHaveLength(1);
      expect(later?.messages.size).toBe(1);
    } finally {
      await later?.close();
    }
  });

  it('looks a number up after an ambiguous purchase instead of buying again', async () => {
    twilio.fail({ type: 'slow', delay: 300, method: 'POST' });
    const number = await client({ timeout: 100 }).provisionNumber({ areaCode: '415' });

    expect(number.phone_number).toBe('+14155550100');
    expect(
      twilio.requests.map((request) => `${request.method} ${request.url.split('?')[0] ?? ''}`),
    ).toEqual([
      `GET ${base}/AvailablePhoneNumbers/US/Local.json`,
      `POST ${base}/IncomingPhoneNumbers.json`,
      `GET ${base}/IncomingPhoneNumbers.json`,
    ]);
    expect(twilio.requests[2]?.query.get('PhoneNumber')).toBe('+14155550100');
    expect(twilio.numbers.size).toBe(1);
  });

  it('rejects an ambiguous purchase that did not happen with its own error', async () => {
    twilio.fail({ status: 502, method: 'POST' });
    const error = (await rejectionOf(client().provisionNumber({ areaCode: '415' }))) as ApiError;

    expect(error.status).toBe(502);
    expect(twilio.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    expect(twilio.numbers.size).toBe(0);
  });

  it('retries reads after a 5xx', async () => {
    const twilioClient = client();
    const placed = await twilioClient.makeCall({ to: '+14155550100', from: '+14155550199' });
    twilio.fail({ status: 503, times: 2 });

    await expect(twilioClient.getCall({ callSid: placed.sid })).resolves.toMatchObject({
      sid: placed.sid,
    });
    expect(twilio.requests).toHaveLength(4);
  });
});

describe('TwilioClient reads', () => {
  it('resolve to null when Twilio fails, and reject a 404', async () => {
    const twilioClient = client();
    twilio.fail({ type: 'html', status: 502, times: 3 });

    await expect(twilioClient.getCall({ callSid: 'CA1' })).resolves.toBeNull();

    const other = client();
    const error = (await rejectionOf(other.getCall({ callSid: 'CA404' }))) as ApiError;
    expect(error.status).toBe(404);
    expect(error.vendorCode).toBe(20404);
    expect(await other.breaker('get_call').state()).toBe('closed');
  });

  it('reject wrong credentials with a 401 that shows neither the token nor the credentials', async () => {
    const wrong = client({ authToken: 'not-the-token-000' });
    const error = (await rejectionOf(wrong.sendSms(sms))) as ApiError;

    expect(error.status).toBe(401);
    expect(error.vendorCode).toBe(20003);
    expect(JSON.stringify(error)).not.toContain('not-the-token-000');
    expect(await wrong.breaker('send_sms').state()).toBe('closed');
  });
});
