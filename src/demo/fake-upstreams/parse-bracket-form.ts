/**
 * Reads a form in Stripe's bracket notation back into objects and arrays:
 * `metadata[user_id]=42&line_items[0][price]=price_1` becomes
 * `{ metadata: { user_id: '42' }, line_items: [{ price: 'price_1' }] }`. An object whose keys
 * are all indexes becomes an array.
 */
export function parseBracketForm(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    const segments =
      match === null
        ? [key]
        : [
            match[1] ?? key,
            ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1] ?? ''),
          ];
    let node = root;
    segments.forEach((segment, index) => {
      if (index === segments.length - 1) {
        node[segment] = value;
        return;
      }

      const next = node[segment];
      if (typeof next !== 'object' || next === null) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    });
  }

  return arrayify(root) as Record<string, unknown>;
}

function arrayify(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;

  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, item]) => [key, arrayify(item)] as const,
  );
  const indexed = entries.length > 0 && entries.every(([key]) => /^\d+$/.test(key));
  if (!indexed) return Object.fromEntries(entries);

  return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, item]) => item);
}
