import { createHash } from 'node:crypto';

/** A Lua script and its SHA1 digest, as `EVALSHA` names it. */
export interface RedisScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

function script(name: string, body: string): RedisScript {
  const lua = `${prelude}\n${body}`;
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * What every script shares. Time is read from the server (`TIME`), so hosts whose clocks disagree
 * still agree on when a cool-off ends. Numbers are written with `%.0f`: Lua 5.1's `tostring`
 * would turn large ones into exponent notation.
 */
const prelude = `
if redis.replicate_commands then pcall(redis.replicate_commands) end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function int(n)
  return string.format('%.0f', n)
end

-- Refreshes a key's TTL once it has run down by an hour, so a key in use never expires and
-- most calls write nothing.
local function keep(key, ttl)
  if redis.call('PTTL', key) < ttl - 3600000 then redis.call('PEXPIRE', key, ttl) end
end

-- Probe leases are kept as "id:expires,id:expires".
local function live_leases(text, now)
  local kept, earliest = {}, nil
  for id, expires in string.gmatch(text or '', '([^:,]+):([%d%.]+)') do
    expires = tonumber(expires)
    if expires > now then
      kept[#kept + 1] = id .. ':' .. int(expires)
      if earliest == nil or expires < earliest then earliest = expires end
    end
  end
  return kept, earliest
end
`;

/**
 * May this call go? One call decides, and moving open -> half-open happens in the same step as
 * claiming a probe lease.
 *
 * KEYS: state hash, lock. ARGV: name, settings JSON or '' (sent by each process on its first call
 * of a breaker, when its settings change, and then at most every `settingsRefresh` ms), key TTL,
 * errorRate, probes, probeTimeout. The settings and the key's TTL are written only when the JSON
 * is sent or the key is made: most calls write nothing and read only what the decision needs.
 * Reply: for kinds 1 to 4 the number kind + 10 × created, else { kind, retryAt, lease,
 * transitionAt, now }; kind is 1 closed with nothing counted, 2 closed and counting, 3 locked
 * closed, 4 locked open, 5 open (refused), 6 half-open with every probe lease taken (refused),
 * 7 probe admitted (transitionAt > 0 when this call moved the breaker from open to half-open).
 * `created` is 1 when this call made the breaker's state key (its first call, or the first since
 * the key expired or the data was lost), so the caller adds the name to the index and sends its
 * settings next; a breaker that is open or half-open had its key already.
 */
export const admitScript = script(
  'admit',
  `
local key = KEYS[1]
local lock = redis.call('GET', KEYS[2])
local state, failures, times, named = unpack(redis.call('HMGET', key, 'st', 'f', 'ft', 'n'))
local created = named and 0 or 10
if ARGV[2] ~= '' then
  if created == 10 or redis.call('HGET', key, 'cfg') ~= ARGV[2] then
    redis.call('HSET', key, 'n', ARGV[1], 'cfg', ARGV[2])
  end
  keep(key, tonumber(ARGV[3]))
elseif created == 10 then
  redis.call('HSET', key, 'n', ARGV[1])
  redis.call('PEXPIRE', key, ARGV[3])
end

if lock == 'open' then return 4 + created end
if lock == 'closed' then return 3 + created end

state = state or 'closed'
if state == 'closed' then
  local counting = tonumber(ARGV[4]) > 0 or (tonumber(failures) or 0) > 0 or (times and times ~= '')
  if counting then return 2 + created end
  return 1 + created
end

local retry_at, leases = unpack(redis.call('HMGET', key, 'ra', 'ls'))
local now = now_ms()
local transition_at = 0
if state == 'open' then
  local retry = tonumber(retry_at) or 0
  if now < retry then return { 5, retry, '', 0, now } end

  redis.call('HSET', key, 'st', 'half-open', 'ok', 0, 'at', int(now))
  leases = ''
  transition_at = now
end

local kept, earliest = live_leases(leases, now)
if #kept >= tonumber(ARGV[5]) then return { 6, earliest, '', 0, now } end

local id = tostring(redis.call('HINCRBY', key, 'seq', 1))
kept[#kept + 1] = id .. ':' .. int(now + tonumber(ARGV[6]))
redis.call('HSET', key, 'ls', table.concat(kept, ','))
return { 7, 0, id, transition_at, now }
`,
);

/**
 * How did it go? Records the outcome, applies the trip or recovery rule, and returns the
 * transition it made, if any.
 *
 * KEYS: state hash, lock. ARGV: kind (success, failure, cancel, or none to only add successes
 * counted locally), probe (1 or 0), lease, last error JSON or '', successes counted locally,
 * threshold, window, coolOff, recoveryThreshold, errorRate, minimumCalls, key TTL, name,
 * settings JSON.
 * Reply: { transition, now }; transition is 0 none, 1 closed -> open, 2 half-open -> open,
 * 3 half-open -> closed.
 */
export const recordScript = script(
  'record',
  `
local key = KEYS[1]
local kind, probe, lease = ARGV[1], ARGV[2] == '1', ARGV[3]
local last_error, counted = ARGV[4], tonumber(ARGV[5])
local threshold, window, cool_off = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local recovery, error_rate, minimum = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local buckets = 10

local function release(now)
  local text = redis.call('HGET', key, 'ls')
  if not text or not probe then return false end
  local kept, held = {}, false
  for id, expires in string.gmatch(text, '([^:,]+):([%d%.]+)') do
    if id == lease then
      -- A lease that ran out decides nothing: its slot was already free for another probe.
      held = tonumber(expires) > now
    elseif tonumber(expires) > now then
      kept[#kept + 1] = id .. ':' .. expires
    end
  end
  redis.call('HSET', key, 'ls', table.concat(kept, ','))
  return held
end

local function clear_counts()
  redis.call('HDEL', key, 'f', 'ft', 'b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9')
end

-- A window bucket is 'index:calls:failures'; a missing or malformed one reads as nil.
local function read_bucket(field)
  return string.match(redis.call('HGET', key, field) or '', '^(%-?%d+):(%d+):(%d+)$')
end

local function open(now)
  clear_counts()
  redis.call('HDEL', key, 'ls')
  redis.call('HSET', key, 'st', 'open', 'ra', int(now + cool_off), 'at', int(now), 'ok', 0)
end

if redis.call('EXISTS', key) == 0 then redis.call('HSET', key, 'n', ARGV[13], 'cfg', ARGV[14]) end
keep(key, tonumber(ARGV[12]))
local now = now_ms()

if kind == 'cancel' then
  release(now)
  return { 0, now }
end

if kind == 'failure' and last_error ~= '' then redis.call('HSET', key, 'err', last_error) end
local state = redis.call('HGET', key, 'st') or 'closed'
local locked = redis.call('EXISTS', KEYS[2]) == 1

if state == 'closed' then
  local failed = kind == 'failure'
  local trips = false
  if error_rate > 0 then
    redis.call('HDEL', key, 'f', 'ft')
    local index = math.floor(now / (window / buckets))
    local field = 'b' .. (index % buckets)
    local at, calls, fails = read_bucket(field)
    if tonumber(at) ~= index then calls, fails = 0, 0 end
    calls = tonumber(calls) + counted
    fails = tonumber(fails)
    if kind == 'success' or failed then calls = calls + 1 end
    if failed then fails = fails + 1 end
    redis.call('HSET', key, field, int(index) .. ':' .. int(calls) .. ':' .. int(fails))
    if failed then
      local total_calls, total_fails = 0, 0
      for slot = 0, buckets - 1 do
        local b_at, b_calls, b_fails = read_bucket('b' .. slot)
        if b_at and tonumber(b_at) > index - buckets then
          total_calls = total_calls + tonumber(b_calls)
          total_fails = total_fails + tonumber(b_fails)
        end
      end
      trips = total_calls >= minimum and total_fails >= error_rate * total_calls
    end
  elseif kind == 'success' then
    clear_counts()
  elseif failed and window > 0 then
    local kept = {}
    for time in string.gmatch(redis.call('HGET', key, 'ft') or '', '[^,]+') do
      if tonumber(time) > now - window then kept[#kept + 1] = time end
    end
    kept[#kept + 1] = int(now)
    if #kept > threshold then table.remove(kept, 1) end
    redis.call('HDEL', key, 'f')
    redis.call('HSET', key, 'ft', table.concat(kept, ','))
    trips = #kept >= threshold
  elseif failed then
    redis.call('HDEL', key, 'ft')
    trips = redis.call('HINCRBY', key, 'f', 1) >= threshold
  end

  if not trips or locked then return { 0, now } end
  open(now)
  return { 1, now }
end

if state == 'open' or locked then return { 0, now } end
if not release(now) then return { 0, now } end

if kind == 'failure' then
  open(now)
  return { 2, now }
end

if kind ~= 'success' then return { 0, now } end
if redis.call('HINCRBY', key, 'ok', 1) < recovery then return { 0, now } end

redis.call('HDEL', key, 'ls')
redis.call('HSET', key, 'st', 'closed', 'ra', 0, 'at', int(now), 'ok', 0)
return { 3, now }
`,
);

/**
 * What the store knows of one breaker. KEYS: state hash, lock.
 * Reply: { now, lock or '', flat field/value list of the state hash }.
 */
export const snapshotScript = script(
  'snapshot',
  `
return { now_ms(), redis.call('GET', KEYS[2]) or '', redis.call('HGETALL', KEYS[1]) }
`,
);

/**
 * Keeps the index of breaker names: a sorted set scored by when each entry may be forgotten
 * (epoch ms), or +inf while the breaker is locked. Expired entries are trimmed here; the set
 * itself expires with its last entry, and never while a lock is listed.
 *
 * KEYS: index. ARGV: name, mode (seen, lock or unlock), key TTL. Reply: 1.
 */
export const indexScript = script(
  'index',
  `
local key, name, mode = KEYS[1], ARGV[1], ARGV[2]
local now = now_ms()
local forget_at = now + tonumber(ARGV[3])
local score = redis.call('ZSCORE', key, name)
local locked = score and tonumber(score) == math.huge

if mode == 'lock' then
  redis.call('ZADD', key, '+inf', name)
elseif mode == 'unlock' then
  if score then redis.call('ZADD', key, int(forget_at), name) end
elseif not locked and (not score or tonumber(score) < forget_at) then
  redis.call('ZADD', key, int(forget_at), name)
end

redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. int(now))
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]
if last and tonumber(last) == math.huge then
  redis.call('PERSIST', key)
elseif last then
  redis.call('PEXPIREAT', key, last)
end
return 1
`,
);

/** Every breaker name in the index, expired entries trimmed first. KEYS: index. */
export const namesScript = script(
  'names',
  `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. int(now_ms()))
return redis.call('ZRANGE', KEYS[1], 0, -1)
`,
);
