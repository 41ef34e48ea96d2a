import { show } from '../validation.js';

/** A value {@link encodeForm} can write: scalars, dates, arrays and nested objects. */
export type FormValue =
  | string
  | number
  | boolean
  | Date
  | null
  | undefined
  | readonly FormValue[]
  | { readonly [key: string]: FormValue };

/** The top level of a form body or query string: names mapped to values. */
export type FormParams = { readonly [key: string]: FormValue };

/**
 * How arrays are written: `indexed` as `key[0]=a&key[1]=b` (Stripe), `repeat` as `key=a&key=b`
 * (Twilio).
 */
export type FormArrays = 'indexed' | 'repeat';

/** Options of {@link encodeForm}. */
export interface EncodeFormOptions {
  /**
   * How arrays are written.
   * @default 'indexed'
   */
  readonly arrays?: FormArrays;
}

/**
 * Encodes `params` as `application/x-www-form-urlencoded`, the body of Stripe and Twilio requests
 * and the query string of every vendor.
 *
 * Nested objects use brackets (`metadata[user_id]=42`); arrays are indexed or repeated as
 * `arrays` says; `null` is written as an empty value (`key=`, which unsets a field at Stripe);
 * `undefined`, empty objects and empty arrays are left out; booleans are `true`/`false`; dates are
 * Unix seconds. Values are escaped with `encodeURIComponent` plus `! ' ( ) *`; the brackets of
 * keys stay as they are.
 *
 * @throws {RangeError} for a number that is not finite, or a date that is invalid.
 * @example
 * ```ts
 * encodeForm({ line_items: [{ price: 'price_1', quantity: 1 }], metadata: { user_id: '42' } });
 * // 'line_items[0][price]=price_1&line_items[0][quantity]=1&metadata[user_id]=42'
 * encodeForm({ StatusCallbackEvent: ['initiated', 'answered'] }, { arrays: 'repeat' });
 * // 'StatusCallbackEvent=initiated&StatusCallbackEvent=answered'
 * ```
 */
export function encodeForm(params: FormParams, options: EncodeFormOptions = {}): string {
  const arrays = options.arrays ?? 'indexed';
  if (arrays !== 'indexed' && arrays !== 'repeat') {
    throw new RangeError(`arrays must be "indexed" or "repeat", received ${show(arrays)}`);
  }

  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    write(pairs, escapeKey(key), value, arrays);
  }

  return pairs.join('&');
}

function write(pairs: string[], key: string, value: FormValue, arrays: FormArrays): void {
  if (value === undefined) return;
  if (value === null) {
    pairs.push(`${key}=`);
    return;
  }

  if (Array.isArray(value)) {
    const items = value as readonly FormValue[];
    items.forEach((item, index) => {
      write(pairs, arrays === 'indexed' ? `${key}[${index}]` : key, item, arrays);
    });
    return;
  }

  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time))
      throw new RangeError(`${key} must be a valid date, received an invalid one`);
    pairs.push(`${key}=${Math.floor(time / 1000)}`);
    return;
  }

  if (typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      write(pairs, `${key}[${escapeKey(name)}]`, item, arrays);
    }

    return;
  }

  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`${key} must be a finite number, received ${show(value)}`);
  }

  pairs.push(`${key}=${escape(String(value))}`);
}

/** `encodeURIComponent`, plus the characters it leaves alone that some servers treat specially. */
function escape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Escapes a key but keeps its brackets readable: servers accept both forms. */
function escapeKey(key: string): string {
  return escape(key).replace(/%5B/g, '[').replace(/%5D/g, ']');
}
