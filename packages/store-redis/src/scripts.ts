/**
 * Lua scripts: each mutation of a run is one script, so it is atomic on the server.
 * Errors are returned as `AGENTRT <code>: <message>` replies and mapped to `StoreError`.
 * Run hashes hold scalars and opaque JSON strings only (no cjson round-trips).
 */

/** Shared prelude: lease fencing and event append. ARGV layout is fixed per script. */
const PRELUDE = `
local function fail(code, message) return redis.error_reply('AGENTRT ' .. code .. ': ' .. message) end
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
local function append_events(run, events, first_seq, last_hash, n, offset)
  if n == 0 then return true end
  local last = tonumber(redis.call('HGET', run, 'lastSeq'))
  if tonumber(first_seq) ~= last + 1 then return false end
  for i = 1, n do redis.call('RPUSH', events, ARGV[offset + i]) end
  redis.call('HSET', run, 'lastSeq', last + n)
  if last_hash ~= '' then redis.call('HSET', run, 'lastHash', last_hash) end
  return true
end
`;

/** KEYS: run, idem, runs zset, counter, blobs. ARGV: runId, idemKey|'', static, createdAt, nBlobs, (sha256, data)… */
export const CREATE_RUN = `${PRELUDE}
if ARGV[2] ~= '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return {'existing', existing} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return fail('run_conflict', 'run ' .. ARGV[1] .. ' already exists') end
redis.call('HSET', KEYS[1], 'static', ARGV[3], 'status', 'running', 'updatedAt', ARGV[4], 'stepCount', 0, 'toolCalls', 0,
  'inTok', 0, 'outTok', 0, 'cost', '0', 'lastSeq', 0, 'leaseEpoch', 0, 'leaseExpires', 0)
put_blobs(KEYS[5], 5)
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[1]) end
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
return {'created', ARGV[1]}
`;

/** KEYS: run. ARGV: owner, epoch, stepIndex, decisionJson, updatedAt. */
export const SAVE_DECISION = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
local st = redis.call('HMGET', KEYS[1], 'status', 'stepCount')
if st[1] ~= 'running' then return fail('run_conflict', 'run is ' .. st[1]) end
if tonumber(st[2]) ~= tonumber(ARGV[3]) then return fail('run_conflict', 'decision for step ' .. ARGV[3] .. ' but ' .. st[2] .. ' steps are committed') end
redis.call('HSET', KEYS[1], 'pending', ARGV[4], 'updatedAt', ARGV[5])
return 'OK'
`;

/**
 * KEYS: run, steps, events, blobs.
 * ARGV: owner, epoch, stepIndex, stepJson, toolCalls, inTok, outTok, cost, updatedAt, firstSeq, lastHash, n, events…, nBlobs, (sha256, data)…
 * A re-sent commit of the step already committed (same bytes) is acknowledged, not duplicated.
 */
export const COMMIT_STEP = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
local st = redis.call('HMGET', KEYS[1], 'status', 'stepCount')
local index = tonumber(ARGV[3])
local count = tonumber(st[2])
if count == index + 1 and redis.call('LINDEX', KEYS[2], index) == ARGV[4] then return 'DUPLICATE' end
if st[1] ~= 'running' then return fail('run_conflict', 'run is ' .. st[1]) end
if count ~= index then return fail('run_conflict', 'step ' .. ARGV[3] .. ' does not follow ' .. st[2] .. ' committed steps') end
local n = tonumber(ARGV[12])
if n > 0 and tonumber(ARGV[10]) ~= tonumber(redis.call('HGET', KEYS[1], 'lastSeq')) + 1 then
  return fail('run_conflict', 'events do not continue the log')
end
local missing = missing_blob(KEYS[4], 13 + n)
if missing then return fail('blob_missing', missing) end
redis.call('RPUSH', KEYS[2], ARGV[4])
append_events(KEYS[1], KEYS[3], ARGV[10], ARGV[11], n, 12)
put_blobs(KEYS[4], 13 + n)
redis.call('HINCRBY', KEYS[1], 'stepCount', 1)
redis.call('HINCRBY', KEYS[1], 'toolCalls', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'inTok', ARGV[6])
redis.call('HINCRBY', KEYS[1], 'outTok', ARGV[7])
redis.call('HINCRBYFLOAT', KEYS[1], 'cost', ARGV[8])
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[9])
redis.call('HDEL', KEYS[1], 'pending')
return 'OK'
`;

/** KEYS: run, events. ARGV: owner, epoch, firstSeq, lastHash, n, events… */
export const APPEND_EVENTS = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
if not append_events(KEYS[1], KEYS[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), 5) then return fail('run_conflict', 'events do not continue the log') end
return 'OK'
`;

/** KEYS: run, events. ARGV: owner, epoch, status, resultJson|'', updatedAt, firstSeq, lastHash, n, events… */
export const UPDATE_RUN = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
local st = redis.call('HMGET', KEYS[1], 'status', 'retryable')
local reopen = st[1] == 'failed' and ARGV[3] == 'running' and st[2] == '1'
if st[1] ~= 'running' and st[1] ~= 'paused' and not reopen then return fail('run_conflict', 'run is ' .. st[1] .. '; it cannot become ' .. ARGV[3]) end
if not append_events(KEYS[1], KEYS[2], ARGV[6], ARGV[7], tonumber(ARGV[8]), 8) then return fail('run_conflict', 'events do not continue the log') end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updatedAt', ARGV[5], 'retryable', '0')
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'result', ARGV[4]) else redis.call('HDEL', KEYS[1], 'result') end
return 'OK'
`;

/** KEYS: run, events. ARGV: owner, epoch, status, resultJson, updatedAt, retryable(0|1), firstSeq, lastHash, n, events… */
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
 * KEYS: run, hash, blobs. ARGV: owner, epoch, field, json, nBlobs, (sha256, data)…
 * HSETNX under lease fencing (ledger intents and results); the entry's blobs are stored with it.
 */
export const LEDGER_PUT = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) then return fail('lease_lost', 'the lease is no longer current') end
if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then return 0 end
local missing = missing_blob(KEYS[3], 5)
if missing then return fail('blob_missing', missing) end
local added = redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4])
if added == 1 then put_blobs(KEYS[3], 5) end
return added
`;

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: run. ARGV: owner, ttlMs. Lease times come from the Redis server clock, not the caller's. */
export const ACQUIRE_LEASE = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('run_not_found', 'run does not exist') end
${NOW}
local cur = redis.call('HMGET', KEYS[1], 'leaseOwner', 'leaseExpires')
if cur[1] and cur[1] ~= ARGV[1] and tonumber(cur[2]) > now then return false end
local epoch = redis.call('HINCRBY', KEYS[1], 'leaseEpoch', 1)
local expires = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'leaseOwner', ARGV[1], 'leaseExpires', expires)
return {epoch, tostring(expires)}
`;

/** KEYS: run. ARGV: owner, epoch, ttlMs. */
export const RENEW_LEASE = `${PRELUDE}
if not lease_ok(KEYS[1], ARGV[1], ARGV[2]) or ARGV[1] == '' then return false end
${NOW}
local expires = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'leaseExpires', expires)
return tostring(expires)
`;

/** KEYS: run. ARGV: owner, epoch. */
export const RELEASE_LEASE = `${PRELUDE}
if ARGV[1] ~= '' and lease_ok(KEYS[1], ARGV[1], ARGV[2]) then
  redis.call('HDEL', KEYS[1], 'leaseOwner')
  redis.call('HSET', KEYS[1], 'leaseExpires', 0)
end
return 'OK'
`;
