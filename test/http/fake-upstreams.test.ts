import { describe, expect, it } from 'vitest';
import { encodeForm } from 'breakwater/clients';
import {
  parseBracketForm,
  startFakeStripe,
  startFakeTwilio,
  startFakeVapi,
} from '../../src/demo/fake-upstreams/index.js';

describe('fake upstreams', () => {
  it('record method, path, query, headers and body of every request', async () => {
    const vapi = await startFakeVapi();
    try {
      await fetch(`${vapi.url}/assistant?debug=1`, {
        method: 'POST',
        headers: {
          Authorization: 'Bearer k',
          'Content-Type': 'application/json',
          'X-Trace': 'abc',
        },
        body: JSON.stringify({ name: 'A' }),
      });

      expect(vapi.requests).toHaveLength(1);
      expect(vapi.requests[0]).toMatchObject({
        method: 'POST',
        url: '/assistant?debug=1',
        path: '/assistant',
        body: '{"name":"A"}',
        json: { name: 'A' },
        fault: undefined,
      });
      expect(vapi.requests[0]?.query.get('debug')).toBe('1');
      expect(vapi.requests[0]?.headers['x-trace']).toBe('abc');
    } finally {
      await vapi.close();
    }
  });

  it('answer scripted faults in order, scoped by method, path and count', async () => {
    const stripe = await startFakeStripe();
    try {
      stripe
        .fail({ status: 503, path: '/v1/customers', method: 'POST', times: 2 })
        .fail({ status: 429, retryAfter: 7 });
      const get = (): Promise<Response> =>
        fetch(`${stripe.url}/v1/customers/cus_1`, {
          headers: { Authorization: 'Bearer sk_test_1' },
        });
      const post = (): Promise<Response> =>
        fetch(`${stripe.url}/v1/customers`, {
          method: 'POST',
          headers: { Authorization: 'Bearer sk_test_1' },
        });

      const limited = await get();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(await limited.json()).toEqual({
        error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' },
      });
      expect((await post()).status).toBe(503);
      expect((await get()).status).toBe(404);
      expect((await post()).status).toBe(503);
      expect((await post()).status).toBe(200);
      expect(stripe.requests.map((request) => request.fault)).toEqual([
        'status',
        'status',
        undefined,
        'status',
        undefined,
      ]);

      stripe.fail({ status: 500, times: Infinity });
      expect((await get()).status).toBe(500);
      expect((await get()).status).toBe(500);
      stripe.heal();
      expect((await get()).status).toBe(404);
    } finally {
      await stripe.close();
    }
  });

  it('close cleanly with a request still hanging', async () => {
    const servers = (): number =>
      process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
    const before = servers();
    const twilio = await startFakeTwilio();
    expect(servers()).toBe(before + 1);
    twilio.fail({ type: 'hang' });
    const pending = fetch(`${twilio.url}/2010-04-01/Accounts/AC1/Calls.json`).catch(
      (error: unknown) => error,
    );
    await expect.poll(() => twilio.requests.length).toBe(1);
    await twilio.close();

    expect(await pending).toBeInstanceOf(TypeError);
    expect(servers()).toBe(before);
  });

  it('answer in each vendor error shape', async () => {
    const [vapi, twilio] = await Promise.all([startFakeVapi({ apiKey: 'k' }), startFakeTwilio()]);
    try {
      const unauthorized = await fetch(`${vapi.url}/call/1`, {
        headers: { Authorization: 'Bearer nope' },
      });
      expect(await unauthorized.json()).toMatchObject({ error: 'Unauthorized', statusCode: 401 });

      const auth = `Basic ${Buffer.from('AC1:t').toString('base64')}`;
      const xml = await fetch(`${twilio.url}/2010-04-01/Accounts/AC1/Calls/CA1`, {
        headers: { Authorization: auth },
      });
      expect(xml.headers.get('content-type')).toBe('application/xml');
      expect(await xml.text()).toContain('<TwilioResponse>');

      const missing = await fetch(`${twilio.url}/2010-04-01/Accounts/AC1/Calls/CA1.json`, {
        headers: { Authorization: auth },
      });
      expect(await missing.json()).toMatchObject({ code: 20404, status: 404 });
    } finally {
      await Promise.all([vapi.close(), twilio.close()]);
    }
  });

  it('replay a Stripe request by its Idempotency-Key, and refuse the key with other parameters', async () => {
    const stripe = await startFakeStripe();
    try {
      const create = (email: string): Promise<Response> =>
        fetch(`${stripe.url}/v1/customers`, {
          method: 'POST',
          headers: {
            Authorization: 'Bearer sk_test_1',
            'Content-Type': 'application/x-www-form-urlencoded',
            'Idempotency-Key': 'key-1',
          },
          body: `email=${encodeURIComponent(email)}`,
        });

      const first = await create('a@example.com');
      const again = await create('a@example.com');
      const other = await create('b@example.com');

      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toEqual(await first.json());
      expect(other.status).toBe(400);
      expect(await other.json()).toMatchObject({ error: { type: 'idempotency_error' } });
      expect(stripe.customers.size).toBe(1);
    } finally {
      await stripe.close();
    }
  });

  it('read bracket forms back as encodeForm writes them', () => {
    const params = {
      mode: 'subscription',
      line_items: [
        { price: 'price_1', quantity: '2' },
        { price: 'price_2', quantity: '1' },
      ],
      subscription_data: { metadata: { user_id: '42', 'a b': 'c&d' } },
    };

    expect(parseBracketForm(new URLSearchParams(encodeForm(params)))).toEqual(params);
  });
});
