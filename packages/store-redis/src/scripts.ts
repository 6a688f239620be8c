/**
 * Lua scripts: each mutation of a run is one script, so it is atomic on the server.
 * Errors are returned as `AGENTRT <code>: <message>` replies and mapped to `StoreError`.
 * Run hashes hold scalars and opaque JSON strings only (no cjson round-trips).
 */
import { KILL_ALL_SCOPE } from '@agentrt/core';

/** Shared prelude: lease fencing and event append. ARGV layout is fixed per script. */
const PRELUDE = `
local function fail(code, message) return redis.error_reply('AGENTRT ' .. code .. ': ' .. message) end
-- A field of the run's hash that is not what the scripts write there: stops the script, before any write.
local function corrupt(field, value) error({err = 'AGENTRT state_corrupt: field ' .. field .. ' of the run is not an integer (' .. string.sub(tostring(value), 1, 40) .. ')'}) end
local function lease_ok(run, owner, epoch)
  if owner == '' then return true end
  local cur = redis.call('HMGET', run, 'leaseOwner', 'leaseEpoch')
  return cur[1] == owner and cur[2] == epoch
end
-- Blobs: ARGV[offset] = count, then (sha256, data) pairs. Stored once per run (HSETNX), never
-- overwritten. An empty data means the caller knows the blob is stored: checked before any write.
local function missing_blob(blobs, offset)
  local n = tonumber(ARGV[offset] or '0') or 0
  for i = 1, n do
    if ARGV[offset + 2 * i] == '' and redis.call('HEXISTS', blobs, ARGV[offset + 2 * i - 1]) == 0 then return ARGV[offset + 2 * i - 1] end
  end
  return nil
end
local function put_blobs(blobs, offset)
  local n = tonumber(ARGV[offset] or '0') or 0
  for i = 1, n do
    if ARGV[offset + 2 * i] ~= '' then redis.call('HSETNX', blobs, ARGV[offset + 2 * i - 1], ARGV[offset + 2 * i]) end
  end
end
-- One read of the run's hash: the values of 'status', 'leaseOwner', 'leaseEpoch' and then of the
-- given fields; nil and an error reply when the run does not exist or the lease fence (ARGV[1],
-- ARGV[2]) fails — checked in that order, as every script did with EXISTS and lease_ok.
local function load_run(run, ...)
  local h = redis.call('HMGET', run, 'status', 'leaseOwner', 'leaseEpoch', ...)
  if not h[1] then return nil, fail('run_not_found', 'run does not exist') end
  if ARGV[1] ~= '' and (h[2] ~= ARGV[1] or h[3] ~= ARGV[2]) then return nil, fail('lease_lost', 'the lease is no longer current') end
  return h
end
-- RPUSH of ARGV[offset + 1 .. offset + n], in as few commands as Lua's stack allows.
local function push_all(list, offset, n)
  local i = 1
  while i <= n do
    local last = math.min(n, i + 999)
    redis.call('RPUSH', list, unpack(ARGV, offset + i, offset + last))
    i = last + 1
  end
end
local function append_events(run, events, first_seq, last_hash, n, offset)
  if n == 0 then return true end
  -- ARGV[offset + n + 1]: a nonce new for every call of the store's method, kept in the run's hash
  -- ('eventsBy'). Re-sent after a lost reply (the client's connection dropped after Redis ran it,
  -- and ioredis sent the same command again): this very call's events already end the log, so it
  -- is acknowledged, not appended twice nor refused as a gap. Another call with the same events
  -- (even byte for byte) is a conflict.
  local nonce = ARGV[offset + n + 1]
  local h = redis.call('HMGET', run, 'lastSeq', 'eventsBy')
  if not string.match(h[1] or '', '^%d+$') then corrupt('lastSeq', h[1]) end
  local last = tonumber(h[1])
  local first = tonumber(first_seq)
  if not first then return false end -- a batch whose own seqs do not count up by one (see eventArgs)
  if nonce and nonce ~= '' and h[2] == nonce and first + n - 1 == last then return true end
  if first ~= last + 1 then return false end
  push_all(events, offset, n)
  redis.call('HSET', run, 'lastSeq', last + n, 'eventsBy', nonce or '')
  if last_hash ~= '' then redis.call('HSET', run, 'lastHash', last_hash) end
  return true
end
`;

/**
 * A script that also reads the run's kill flags, after its write and in the same atomic call:
 * `KEYS[#KEYS]` is the kill hash and `ARGV[#ARGV]` the run id (both appended to the script's own
 * layout); the reply is `{reply, ownFlag|nil, allFlag|nil}`. An error reply is returned as is.
 * This is the read a kill check right after the write would make, taken at the write: see
 * `RedisStore.getKillFlag`.
 */
const withKills = (body: string, prelude = PRELUDE) => `${prelude}
local function body()
${body}
end
-- Read ahead of the body (the same answer: no other command runs within a script), so a kill hash
-- of the wrong type stops the script before it writes anything.
local kill = redis.call('HMGET', KEYS[#KEYS], ARGV[#ARGV], '${KILL_ALL_SCOPE}')
local reply = body()
if type(reply) == 'table' and reply.err then return reply end
return {reply, kill[1], kill[2]}
`;

/**
 * KEYS: run, idem, runs zset, counter, blobs. ARGV: runId, idemKey|'', static, createdAt, nBlobs, (sha256, data)…, nonce.
 * The nonce is new for every `createRun` call and kept in the run's hash (`createdBy`): a re-sent
 * creation (the client lost the connection after Redis ran it, and sent it again) finds its own
 * nonce and is acknowledged as created, as a re-sent commit is — not refused as a conflict, nor
 * answered as someone else's run. A second call, even with the same record, is a conflict.
 */
export const CREATE_RUN = `${PRELUDE}
local nonce = ARGV[7 + 2 * (tonumber(ARGV[5]) or 0) - 1]
if nonce and redis.call('HGET', KEYS[1], 'createdBy') == nonce then return {'created', ARGV[1]} end
if ARGV[2] ~= '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return {'existing', existing} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return fail('run_conflict', 'run ' .. ARGV[1] .. ' already exists') end
-- The writes that can fail on a damaged key (a counter that is not an integer, a key of another
-- type) come first: a script stopped there has not created the run (a listed id without a run
-- hash is skipped by listRuns).
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
put_blobs(KEYS[5], 5)
redis.call('HSET', KEYS[1], 'static', ARGV[3], 'status', 'running', 'updatedAt', ARGV[4], 'stepCount', 0, 'toolCalls', 0,
  'inTok', 0, 'outTok', 0, 'cost', '0', 'lastSeq', 0, 'leaseEpoch', 0, 'leaseExpires', 0, 'createdBy', nonce or '')
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[1]) end
return {'created', ARGV[1]}
`;


/**
 * The two scripts of every effectful step (decision, commit) define only the helpers they use:
 * each `local function` of the shared prelude is a closure made at every call, and with the
 * prelude's other helpers that was about a sixth of the decision script's time on the server.
 */
const STEP_PRELUDE = `
local function fail(code, message) return redis.error_reply('AGENTRT ' .. code .. ': ' .. message) end
local function damaged(field, value, what) return fail('state_corrupt', 'field ' .. field .. ' of the run is not ' .. (what or 'an integer') .. ' (' .. string.sub(tostring(value), 1, 40) .. ')') end
`;

/** KEYS: run, kill. ARGV: owner, epoch, stepIndex, decisionJson, updatedAt, runId. Reads the kill flags (`withKills`). */
export const SAVE_DECISION = withKills(`
local st = redis.call('HMGET', KEYS[1], 'status', 'leaseOwner', 'leaseEpoch', 'stepCount')
if not st[1] then return fail('run_not_found', 'run does not exist') end
if ARGV[1] ~= '' and (st[2] ~= ARGV[1] or st[3] ~= ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
if not string.match(st[4] or '', '^%d+$') then return damaged('stepCount', st[4]) end
if st[1] ~= 'running' then return fail('run_conflict', 'run is ' .. st[1]) end
if tonumber(st[4]) ~= tonumber(ARGV[3]) then return fail('run_conflict', 'decision for step ' .. ARGV[3] .. ' but ' .. st[4] .. ' steps are committed') end
redis.call('HSET', KEYS[1], 'pending', ARGV[4], 'updatedAt', ARGV[5])
return 'OK'
`, STEP_PRELUDE);

/**
 * KEYS: run, steps, events, blobs, ledger-done, kill.
 * ARGV: owner, epoch, stepIndex, stepJson, toolCalls, inTok, outTok, cost, updatedAt, firstSeq, lastHash, n, events…,
 * nBlobs, (sha256, data)…, nResults, (toolCallId, entryJson)…, nonce, toolCallsRefused, runId.
 * The results are completed ledger entries (of idempotent and pure calls, deferred until now),
 * written with HSETNX like LEDGER_PUT's (numbered with the run's `ledgerSeq` the same way), under
 * the commit's fence and only with the step.
 * The nonce is new for every `commitStep` call and kept in the run's hash (`stepBy`): a commit
 * re-sent by ioredis after a lost reply finds its own nonce on the last committed step and is
 * acknowledged, not applied twice. Another call for that step — even with the very same bytes —
 * is `run_conflict`, as in every other store.
 * The per-step hot path: one read of the run hash, one RPUSH per list, and one HSET of the run
 * hash that also sets its counters (summed here when they and the deltas are integers below
 * 2^53, else added by HINCRBY as before) and clears the pending decision (`pending` set to '',
 * which readers take as none, as they always did). Reads the kill flags (`withKills`).
 */
export const COMMIT_STEP = withKills(`
local st = redis.call('HMGET', KEYS[1], 'status', 'leaseOwner', 'leaseEpoch', 'stepCount', 'lastSeq', 'toolCalls', 'inTok', 'outTok', 'toolCallsRefused', 'stepBy', 'ledgerSeq', 'cost')
if not st[1] then return fail('run_not_found', 'run does not exist') end
if ARGV[1] ~= '' and (st[2] ~= ARGV[1] or st[3] ~= ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
-- Every field this script reads as a number, and every key it writes after its first write, is
-- checked before that write: a script stopped halfway would leave the step pushed but not counted.
if not string.match(st[4] or '', '^%d+$') then return damaged('stepCount', st[4]) end
if not string.match(st[5] or '', '^%d+$') then return damaged('lastSeq', st[5]) end
if st[6] and not string.match(st[6], '^%-?%d+$') then return damaged('toolCalls', st[6]) end
if st[7] and not string.match(st[7], '^%-?%d+$') then return damaged('inTok', st[7]) end
if st[8] and not string.match(st[8], '^%-?%d+$') then return damaged('outTok', st[8]) end
if st[9] and not string.match(st[9], '^%-?%d+$') then return damaged('toolCallsRefused', st[9]) end
if st[11] and not string.match(st[11], '^%d+$') then return damaged('ledgerSeq', st[11]) end
local cost = st[12] and tonumber(st[12])
if st[12] and not (cost and cost == cost and cost > -math.huge and cost < math.huge) then return damaged('cost', st[12], 'a number') end
local index = tonumber(ARGV[3])
local count = tonumber(st[4])
local nonce = ARGV[#ARGV - 2]
if index and count == index + 1 and nonce ~= '' and st[10] == nonce then return 'DUPLICATE' end
if st[1] ~= 'running' then return fail('run_conflict', 'run is ' .. st[1]) end
if count ~= index then return fail('run_conflict', 'step ' .. ARGV[3] .. ' does not follow ' .. st[4] .. ' committed steps') end
local n = tonumber(ARGV[12])
local last = tonumber(st[5])
if n > 0 and tonumber(ARGV[10]) ~= last + 1 then
  return fail('run_conflict', 'events do not continue the log')
end
local b = 13 + n
local nb = tonumber(ARGV[b])
for i = 1, nb do
  if ARGV[b + 2 * i] == '' and redis.call('HEXISTS', KEYS[4], ARGV[b + 2 * i - 1]) == 0 then return fail('blob_missing', ARGV[b + 2 * i - 1]) end
end
local r = b + 1 + 2 * nb
-- The hashes written after the step (only when the commit has blobs or results) must be hashes.
for k, wanted in pairs({[4] = nb > 0, [5] = tonumber(ARGV[r]) > 0}) do
  local t = wanted and redis.call('TYPE', KEYS[k]).ok
  if t and t ~= 'none' and t ~= 'hash' then return fail('state_corrupt', 'key ' .. KEYS[k] .. ' is a ' .. t .. ', not a hash') end
end
redis.call('RPUSH', KEYS[2], ARGV[4])
local i = 1
while i <= n do
  local e = math.min(n, i + 999)
  -- An events key of another type fails the first RPUSH: the step just pushed is taken back.
  local pushed = redis.pcall('RPUSH', KEYS[3], unpack(ARGV, 12 + i, 12 + e))
  if type(pushed) == 'table' and pushed.err then
    redis.call('RPOP', KEYS[2])
    return fail('state_corrupt', 'key ' .. KEYS[3] .. ': ' .. pushed.err)
  end
  i = e + 1
end
for i = 1, nb do
  if ARGV[b + 2 * i] ~= '' then redis.call('HSETNX', KEYS[4], ARGV[b + 2 * i - 1], ARGV[b + 2 * i]) end
end
local seq = tonumber(st[11]) or 0
local seq0 = seq
for i = 1, tonumber(ARGV[r]) do
  if redis.call('HSETNX', KEYS[5], ARGV[r + 2 * i - 1], '{"o":' .. (seq + 1) .. ',' .. string.sub(ARGV[r + 2 * i], 2)) == 1 then seq = seq + 1 end
end
local refused = tonumber(ARGV[#ARGV - 1]) or 0
local h = {'stepCount', count + 1, 'updatedAt', ARGV[9], 'lastSeq', last + n, 'pending', '', 'stepBy', nonce}
if seq ~= seq0 then h[#h + 1] = 'ledgerSeq'; h[#h + 1] = seq end
if n > 0 and ARGV[11] ~= '' then h[#h + 1] = 'lastHash'; h[#h + 1] = ARGV[11] end
-- Counters: an integer field plus an integer delta, both below 2^53, is summed exactly here and
-- written as an integer; anything else goes through HINCRBY, which accepts or refuses it as before.
local function add(field, current, delta)
  if delta == '0' or delta == 0 then return end
  local a, d = tonumber(current or '0'), tonumber(delta)
  if a and d and a == math.floor(a) and d == math.floor(d) and math.abs(a) < 2^53 and math.abs(d) < 2^53 and math.abs(a + d) < 2^53 then
    h[#h + 1] = field; h[#h + 1] = string.format('%d', a + d)
  else
    redis.call('HINCRBY', KEYS[1], field, delta)
  end
end
add('toolCalls', st[6], ARGV[5])
if refused > 0 then add('toolCallsRefused', st[9], refused) end
add('inTok', st[7], ARGV[6])
add('outTok', st[8], ARGV[7])
if ARGV[8] ~= '0' then redis.call('HINCRBYFLOAT', KEYS[1], 'cost', ARGV[8]) end
redis.call('HSET', KEYS[1], unpack(h))
return 'OK'
`, STEP_PRELUDE);

/** KEYS: run, events, kill. ARGV: owner, epoch, firstSeq, lastHash, n, events…, nonce, runId. Reads the kill flags (`withKills`). */
export const APPEND_EVENTS = withKills(`
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
if not append_events(KEYS[1], KEYS[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), 5) then return fail('run_conflict', 'events do not continue the log') end
return 'OK'
`);

/** KEYS: run, events, kill. ARGV: owner, epoch, status, resultJson|'', updatedAt, firstSeq, lastHash, n, events…, nonce, runId. Reads the kill flags (`withKills`). */
export const UPDATE_RUN = withKills(`
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
local st = redis.call('HMGET', KEYS[1], 'status', 'retryable')
local reopen = st[1] == 'failed' and ARGV[3] == 'running' and st[2] == '1'
if st[1] ~= 'running' and st[1] ~= 'paused' and not reopen then return fail('run_conflict', 'run is ' .. st[1] .. '; it cannot become ' .. ARGV[3]) end
if not append_events(KEYS[1], KEYS[2], ARGV[6], ARGV[7], tonumber(ARGV[8]), 8) then return fail('run_conflict', 'events do not continue the log') end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updatedAt', ARGV[5], 'retryable', '0')
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'result', ARGV[4]) else redis.call('HDEL', KEYS[1], 'result') end
return 'OK'
`);

/** KEYS: run, events. ARGV: owner, epoch, status, resultJson, updatedAt, retryable(0|1), firstSeq, lastHash, n, events…, nonce. */
export const FINISH_RUN = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'running' and st ~= 'paused' then return {'existing', redis.call('HGET', KEYS[1], 'result')} end
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
if not append_events(KEYS[1], KEYS[2], ARGV[7], ARGV[8], tonumber(ARGV[9]), 9) then return fail('run_conflict', 'events do not continue the log') end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'result', ARGV[4], 'updatedAt', ARGV[5], 'retryable', ARGV[6], 'leaseExpires', 0)
redis.call('HDEL', KEYS[1], 'leaseOwner')
return {'finished', ARGV[4]}
`;

/**
 * KEYS: run, hash, blobs, kill. ARGV: owner, epoch, field, json, nBlobs, (sha256, data)…, runId.
 * Set-if-absent under lease fencing (ledger intents and results); the entry's blobs are stored
 * with it. Each entry written gets the run's next ledger number (`ledgerSeq` in the run's hash),
 * put first in its JSON as `"o"`: hash fields come back in no defined order, and `startedAt`
 * (milliseconds) does not tell apart parallel calls recorded at once, so `getToolLedger` orders
 * by it (record order, as the other stores). Reads the kill flags (`withKills`).
 */
export const LEDGER_PUT = withKills(`
local st, err = load_run(KEYS[1], 'ledgerSeq')
if not st then return err end
if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then return 0 end
local blobs = tonumber(ARGV[5]) > 0
if blobs then
  local missing = missing_blob(KEYS[3], 5)
  if missing then return fail('blob_missing', missing) end
end
local o = (tonumber(st[4]) or 0) + 1
redis.call('HSET', KEYS[2], ARGV[3], '{"o":' .. o .. ',' .. string.sub(ARGV[4], 2))
redis.call('HSET', KEYS[1], 'ledgerSeq', o)
if blobs then put_blobs(KEYS[3], 5) end
return 1
`);

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: run, kill. ARGV: owner, ttlMs, runId. Lease times come from the Redis server clock, not the caller's. Reads the kill flags (`withKills`). */
export const ACQUIRE_LEASE = withKills(`
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
${NOW}
local cur = redis.call('HMGET', KEYS[1], 'leaseOwner', 'leaseExpires', 'leaseEpoch')
if not string.match(cur[2] or '0', '^%d+$') then corrupt('leaseExpires', cur[2]) end
if not string.match(cur[3] or '0', '^%d+$') then corrupt('leaseEpoch', cur[3]) end
if cur[1] and cur[1] ~= ARGV[1] and tonumber(cur[2]) > now then return false end
local epoch = redis.call('HINCRBY', KEYS[1], 'leaseEpoch', 1)
local expires = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'leaseOwner', ARGV[1], 'leaseExpires', expires)
return {epoch, tostring(expires)}
`);

/** KEYS: run, kill. ARGV: owner, epoch, ttlMs, runId. Reads the kill flags (`withKills`). */
export const RENEW_LEASE = withKills(`
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) or ARGV[1] == '' then return false end
${NOW}
local expires = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'leaseExpires', expires)
return tostring(expires)
`);

/** KEYS: run. ARGV: owner, epoch. */
export const RELEASE_LEASE = `${PRELUDE}
if ARGV[1] ~= '' and lease_ok(KEYS[1], ARGV[1], ARGV[2]) then
  redis.call('HDEL', KEYS[1], 'leaseOwner')
  redis.call('HSET', KEYS[1], 'leaseExpires', 0)
end
return 'OK'
`;

/**
 * KEYS: the blob hashes of listed runs. ARGV: for each key, a count n and then n sha256s. The
 * media blobs of a whole page of `listRuns` in one command (it was an HMGET round trip per run);
 * the reply holds one array per key (nil where a blob is absent). A key that is not a hash is
 * `state_corrupt` naming it.
 */
export const BLOBS_GET = `
local out = {}
local a = 1
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  local found = redis.pcall('HMGET', KEYS[k], unpack(ARGV, a + 1, a + n))
  if found.err then return redis.error_reply('AGENTRT state_corrupt: key ' .. KEYS[k] .. ' is not a hash of media blobs (' .. found.err .. ')') end
  out[k] = found
  a = a + n + 1
end
return out
`;
