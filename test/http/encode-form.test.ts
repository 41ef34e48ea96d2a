import { describe, expect, it } from 'vitest';
import { encodeForm } from 'breakwater/clients';

describe('encodeForm', () => {
  it("writes Stripe's bracket nesting with indexed arrays", () => {
    const body = encodeForm({
      mode: 'subscription',
      line_items: [{ price: 'price_ABC', quantity: 1 }],
      metadata: { user_id: '42' },
      subscription_data: { metadata: { user_id: '42' } },
      expand: ['latest_invoice'],
    });

    expect(body).toBe(
      'mode=subscription&line_items[0][price]=price_ABC&line_items[0][quantity]=1' +
        '&metadata[user_id]=42&subscription_data[metadata][user_id]=42&expand[0]=latest_invoice',
    );
  });

  it("writes Twilio's repeated keys", () => {
    const body = encodeForm(
      { To: '+14155550100', StatusCallbackEvent: ['initiated', 'answered'] },
      { arrays: 'repeat' },
    );

    expect(body).toBe(
      'To=%2B14155550100&StatusCallbackEvent=initiated&StatusCallbackEvent=answered',
    );
  });

  it('writes null as an empty value and leaves out undefined and empty containers', () => {
    expect(encodeForm({ a: null, b: undefined, c: {}, d: [], e: 'x' })).toBe('a=&e=x');
  });

  it('writes booleans as words and dates as Unix seconds', () => {
    const body = encodeForm({ on: true, off: false, at: new Date('2026-01-01T00:00:01.900Z') });

    expect(body).toBe('on=true&off=false&at=1767225601');
  });

  it("escapes values as encodeURIComponent does, plus ! ' ( ) *, and keeps key brackets", () => {
    expect(
      encodeForm({ 'metadata[a b]': "it's (a) *test*!", url: 'https://x.test/?a=1&b=2' }),
    ).toBe(
      'metadata[a%20b]=it%27s%20%28a%29%20%2Atest%2A%21&url=https%3A%2F%2Fx.test%2F%3Fa%3D1%26b%3D2',
    );
    expect(encodeForm({ metadata: { 'key&=': 'é' } })).toBe('metadata[key%26%3D]=%C3%A9');
  });

  it('round-trips through URLSearchParams', () => {
    const body = encodeForm({ metadata: { note: 'a+b c&d=e' } });

    expect(new URLSearchParams(body).get('metadata[note]')).toBe('a+b c&d=e');
  });

  it('refuses numbers that are not finite, invalid dates and unknown array styles', () => {
    expect(() => encodeForm({ n: Number.NaN })).toThrow(RangeError);
    expect(() => encodeForm({ n: Number.POSITIVE_INFINITY })).toThrow(/n must be a finite number/);
    expect(() => encodeForm({ d: new Date('nope') })).toThrow(/d must be a valid date/);
    expect(() => encodeForm({}, { arrays: 'brackets' as never })).toThrow(/arrays must be/);
  });
});
