--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: __SCHEMA__; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA __SCHEMA__;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: agentrt_blobs; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.agentrt_blobs (
    run_id text NOT NULL,
    sha256 text NOT NULL,
    data text NOT NULL
);


--
-- Name: agentrt_events; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.agentrt_events (
    run_id text NOT NULL,
    seq integer NOT NULL,
    type text NOT NULL,
    data text NOT NULL
);


--
-- Name: agentrt_kill_flags; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.agentrt_kill_flags (
    scope text NOT NULL,
    reason text NOT NULL,
    at text NOT NULL,
    set_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);


--
-- Name: agentrt_ledger; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.agentrt_ledger (
    run_id text NOT NULL,
    tool_call_id text NOT NULL,
    ord bigint NOT NULL,
    step_index integer NOT NULL,
    status text NOT NULL,
    started_at text NOT NULL,
    data text NOT NULL
);


--
-- Name: agentrt_ledger_ord_seq; Type: SEQUENCE; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE __SCHEMA__.agentrt_ledger ALTER COLUMN ord ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME __SCHEMA__.agentrt_ledger_ord_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: agentrt_meta; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.agentrt_meta (
    key text NOT NULL,
    value text NOT NULL
);


--
-- Name: agentrt_runs; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.agentrt_runs (
    seq bigint NOT NULL,
    run_id text NOT NULL,
    idempotency_key text,
    create_token text NOT NULL,
    status text NOT NULL,
    static text NOT NULL,
    updated_at text NOT NULL,
    step_count integer DEFAULT 0 NOT NULL,
    tool_calls integer DEFAULT 0 NOT NULL,
    input_tokens bigint DEFAULT 0 NOT NULL,
    output_tokens bigint DEFAULT 0 NOT NULL,
    cost_usd double precision DEFAULT 0 NOT NULL,
    result text,
    retryable boolean DEFAULT false NOT NULL,
    pending_step text,
    last_event_seq integer DEFAULT 0 NOT NULL,
    last_event_hash text,
    lease_owner text,
    lease_epoch bigint DEFAULT 0 NOT NULL,
    lease_expires_at bigint DEFAULT 0 NOT NULL,
    tool_calls_refused integer DEFAULT 0 NOT NULL
);


--
-- Name: agentrt_runs_seq_seq; Type: SEQUENCE; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE __SCHEMA__.agentrt_runs ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME __SCHEMA__.agentrt_runs_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: agentrt_steps; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.agentrt_steps (
    run_id text NOT NULL,
    step_index integer NOT NULL,
    data text NOT NULL
);


--
-- Data for Name: agentrt_blobs; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--



--
-- Data for Name: agentrt_events; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["tick","pay"],"runId":"v2-refused","at":"2026-11-26T04:18:15.812Z","seq":1,"hash":"e7a37f29904231d754377e6369c7c30119cafc9316055245297079e55a2d9c33"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v2-refused","at":"2026-11-26T04:18:15.825Z","seq":2,"hash":"2d7f8e47ce07a06c94d7705d900c8eb0030e2506487fd81451cdd0392717d7a9"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v2-refused","at":"2026-11-26T04:18:15.891Z","seq":3,"hash":"c8d8c74e2854268b21ba8b3c265ff61957aecec8ca2b96577783058811475414"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"t0","name":"tick","args":{"i":0}},{"id":"t1","name":"tick","args":{"i":1}},{"id":"t2","name":"tick","args":{"i":2}},{"id":"t3","name":"tick","args":{"i":3}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v2-refused","at":"2026-11-26T04:18:15.892Z","seq":4,"hash":"5b20884898b3a74bae82020e7fd34c54e386a65891c2b858a15d56be3f66e702"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 5, 'tool_denied', '{"v":1,"type":"tool_denied","stepIndex":0,"toolCallId":"t3","name":"tick","code":"tool_denied","reason":"max_tool_calls reached: this run may make at most 3 tool calls","runId":"v2-refused","at":"2026-11-26T04:18:15.893Z","seq":5,"hash":"f0b7f918908f4c99ab7f33b05c4c5f735c0f2b2a621b7ae4cd7246aecb808195"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 6, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t0","name":"tick","args":{"i":0},"runId":"v2-refused","at":"2026-11-26T04:18:15.897Z","seq":6,"hash":"7640becc316c6587551db121133d98c6a5ea57c0b6280d3f36366994374c7dfd"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 7, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t0","name":"tick","isError":false,"content":"tick 0","durationMs":1,"runId":"v2-refused","at":"2026-11-26T04:18:15.898Z","seq":7,"hash":"a8ced58f3e7094831f91feeff6b8503d6b7d2addb9f79de2db867ed474217f2d"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 8, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t1","name":"tick","args":{"i":1},"runId":"v2-refused","at":"2026-11-26T04:18:15.921Z","seq":8,"hash":"5f6ad0e4cf30137ec1e27c71a25eb65190954621a3221a483c6b557ccfe0e4e5"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 9, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t1","name":"tick","isError":false,"content":"tick 1","durationMs":0,"runId":"v2-refused","at":"2026-11-26T04:18:15.921Z","seq":9,"hash":"aaf0e1d1783b23c29e36cba84037b6f00f8914a4053a6287d99e4021ffcbffd0"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 10, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t2","name":"tick","args":{"i":2},"runId":"v2-refused","at":"2026-11-26T04:18:15.921Z","seq":10,"hash":"63c964695719afa128f76b1e6abe0f766e6824273a45fa565e1c60f9114f93d9"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 11, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t2","name":"tick","isError":false,"content":"tick 2","durationMs":0,"runId":"v2-refused","at":"2026-11-26T04:18:15.921Z","seq":11,"hash":"4509dd14eab388a26ed8481f14abf33d32faaec6fbb781e398cd493b7e68f6e8"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 12, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":3,"toolCallsRefused":1,"durationMs":97,"runId":"v2-refused","at":"2026-11-26T04:18:15.922Z","seq":12,"hash":"17a941dcfd5049041d61d2a76c042196a87d8c8ec926a793e3b3abe4b1cc03de"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 13, 'limit_reached', '{"v":1,"type":"limit_reached","stopReason":"max_tool_calls","detail":"more than 3 tool calls requested","runId":"v2-refused","at":"2026-11-26T04:18:15.949Z","seq":13,"hash":"ed11f4541f66c43654b0ae158622db71234f4c2e4f3d1f63234383b96abbf7ad"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 14, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"finalize":true,"runId":"v2-refused","at":"2026-11-26T04:18:15.968Z","seq":14,"hash":"52086f312dd7361966bfba31a3ec5c937903a55f3c187324922e2e2d8899ebbd"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 15, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":6,"repairedPairs":0,"tools":[],"attempt":1,"finalize":true,"maxOutputTokens":1024,"runId":"v2-refused","at":"2026-11-26T04:18:15.969Z","seq":15,"hash":"4cb1a6b00fbff4e04abf9e427ea780cdd803f5b3d9afac9c6dd0f140aeadbac5"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 16, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"three ticks ran, one was refused"},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"stop","finalize":true,"runId":"v2-refused","at":"2026-11-26T04:18:15.969Z","seq":16,"hash":"b98409c1e77575881ae82d1686cd281720713e963dc66b69cbf2f64a631a95d7"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 17, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":1,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"toolCallsRefused":0,"durationMs":1,"finalize":true,"runId":"v2-refused","at":"2026-11-26T04:18:15.969Z","seq":17,"hash":"2675ace7ae8ede672dbc20810203e5088d047430833d211327c9bf0c425a6199"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-refused', 18, 'run_finished', '{"v":1,"type":"run_finished","result":{"runId":"v2-refused","status":"stopped","stopReason":"max_tool_calls","stopDetail":"more than 3 tool calls requested","output":"three ticks ran, one was refused","finalized":true,"steps":1,"toolCalls":3,"toolCallsRefused":1,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T04:18:15.654Z","endedAt":"2026-11-26T04:18:16.013Z"},"runId":"v2-refused","at":"2026-11-26T04:18:16.013Z","seq":18,"hash":"92bea56c8a4579bdf9e51b34d15725571736fb29f659f5ced32ff11663946d94"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["tick","pay"],"runId":"v2-paused","at":"2026-11-26T04:18:16.053Z","seq":1}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v2-paused","at":"2026-11-26T04:18:16.056Z","seq":2}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v2-paused","at":"2026-11-26T04:18:16.057Z","seq":3}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"t0","name":"tick","args":{"i":0}},{"id":"v2-p1","name":"pay","args":{"cents":5}},{"id":"t1","name":"tick","args":{"i":1}},{"id":"t2","name":"tick","args":{"i":2}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v2-paused","at":"2026-11-26T04:18:16.057Z","seq":4}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 5, 'tool_denied', '{"v":1,"type":"tool_denied","stepIndex":0,"toolCallId":"t2","name":"tick","code":"tool_denied","reason":"max_tool_calls reached: this run may make at most 3 tool calls","runId":"v2-paused","at":"2026-11-26T04:18:16.063Z","seq":5}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 6, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t1","name":"tick","args":{"i":1},"runId":"v2-paused","at":"2026-11-26T04:18:16.081Z","seq":6}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 7, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t0","name":"tick","args":{"i":0},"runId":"v2-paused","at":"2026-11-26T04:18:16.081Z","seq":7}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 8, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t0","name":"tick","isError":false,"content":"tick 0","durationMs":3,"runId":"v2-paused","at":"2026-11-26T04:18:16.084Z","seq":8}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 9, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t1","name":"tick","isError":false,"content":"tick 1","durationMs":12,"runId":"v2-paused","at":"2026-11-26T04:18:16.093Z","seq":9}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 10, 'approval_requested', '{"v":1,"type":"approval_requested","stepIndex":0,"approvals":[{"toolCallId":"v2-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":0}],"runId":"v2-paused","at":"2026-11-26T04:18:16.093Z","seq":10}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-paused', 11, 'run_paused', '{"v":1,"type":"run_paused","result":{"runId":"v2-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":0,"toolCalls":0,"toolCallsRefused":0,"usage":{"inputTokens":0,"outputTokens":0,"costUsd":0},"startedAt":"2026-11-26T04:18:16.030Z","endedAt":"2026-11-26T04:18:16.093Z","pendingApprovals":[{"toolCallId":"v2-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":0}]},"runId":"v2-paused","at":"2026-11-26T04:18:16.093Z","seq":11}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["tick","pay"],"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.121Z","seq":1}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.122Z","seq":2}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.122Z","seq":3}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"c0","name":"tick","args":{"i":0}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.124Z","seq":4}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"c0","name":"tick","args":{"i":0},"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.127Z","seq":5}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"c0","name":"tick","isError":false,"content":"tick 0","durationMs":0,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.127Z","seq":6}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"durationMs":5,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.127Z","seq":7}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.165Z","seq":8}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.165Z","seq":9}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"","toolCalls":[{"id":"c1","name":"tick","args":{"i":1}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.165Z","seq":10}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 11, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":1,"toolCallId":"c1","name":"tick","args":{"i":1},"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.170Z","seq":11}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 12, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":1,"toolCallId":"c1","name":"tick","isError":false,"content":"tick 1","durationMs":0,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.170Z","seq":12}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 13, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":1,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"durationMs":5,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.170Z","seq":13}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 14, 'limit_reached', '{"v":1,"type":"limit_reached","stopReason":"max_steps","detail":"2 of 2 steps used","runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.177Z","seq":14}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 15, 'step_started', '{"v":1,"type":"step_started","stepIndex":2,"finalize":true,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.177Z","seq":15}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 16, 'model_request', '{"v":1,"type":"model_request","stepIndex":2,"messageCount":5,"historyMessages":5,"repairedPairs":0,"tools":[],"attempt":1,"finalize":true,"maxOutputTokens":1024,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.177Z","seq":16}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 17, 'model_response', '{"v":1,"type":"model_response","stepIndex":2,"message":{"role":"assistant","content":"the answer written before the crash"},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"stop","finalize":true,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.177Z","seq":17}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v2-finalize-crashed', 18, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":2,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"toolCallsRefused":0,"durationMs":0,"finalize":true,"runId":"v2-finalize-crashed","at":"2026-11-26T04:18:16.177Z","seq":18}');


--
-- Data for Name: agentrt_kill_flags; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--



--
-- Data for Name: agentrt_ledger; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v2-paused', 't2', 1, 0, 'completed', '2026-11-26T04:18:16.063Z', '{"v":1,"runId":"v2-paused","toolCallId":"t2","stepIndex":0,"name":"tick","argsFingerprint":"38f38fbef725fffb9fa39683d9e50f05ca8c61130c2da2322f9e9021007a2abf","sideEffects":"none","status":"completed","result":{"role":"tool","toolCallId":"t2","name":"tick","content":"tool_denied: max_tool_calls reached: this run may make at most 3 tool calls","isError":true,"code":"tool_denied"},"startedAt":"2026-11-26T04:18:16.063Z","completedAt":"2026-11-26T04:18:16.063Z"}');
INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v2-paused', 't0', 2, 0, 'completed', '2026-11-26T04:18:16.082Z', '{"v":1,"runId":"v2-paused","toolCallId":"t0","stepIndex":0,"name":"tick","argsFingerprint":"e9f74e715a1806aa651489dcf176e77013b3c851dbc114cc9c24f2fe9d411d65","sideEffects":"none","status":"completed","result":{"role":"tool","toolCallId":"t0","name":"tick","content":"tick 0"},"startedAt":"2026-11-26T04:18:16.082Z","completedAt":"2026-11-26T04:18:16.082Z"}');
INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v2-paused', 't1', 3, 0, 'completed', '2026-11-26T04:18:16.081Z', '{"v":1,"runId":"v2-paused","toolCallId":"t1","stepIndex":0,"name":"tick","argsFingerprint":"0b549edd218c251f511934cc2f3bc5c7f4780e27af6b8ab4ae8d92cd94121b4a","sideEffects":"none","status":"completed","result":{"role":"tool","toolCallId":"t1","name":"tick","content":"tick 1"},"startedAt":"2026-11-26T04:18:16.081Z","completedAt":"2026-11-26T04:18:16.081Z"}');


--
-- Data for Name: agentrt_meta; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_meta VALUES ('schema_version', '2');


--
-- Data for Name: agentrt_runs; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (1, 'v2-refused', NULL, 'b8077388-7954-4810-9db7-b19b6216ff4c', 'stopped', '{"v":1,"runId":"v2-refused","input":[{"role":"user","content":"tick four times"}],"inputFingerprint":"1216389c5e65dd6c01c121585c306ca2993c385093887163e87b37dc8eb6df48","toolsFingerprint":"cbca6161ba13c390e0eb5c45bd14864522ef7a19ae982cdeeadb5013d864d24e","createdAt":"2026-11-26T04:18:15.654Z"}', '2026-11-26T04:18:16.013Z', 2, 3, 20, 10, 0, '{"v":1,"runId":"v2-refused","status":"stopped","stopReason":"max_tool_calls","stopDetail":"more than 3 tool calls requested","output":"three ticks ran, one was refused","finalized":true,"steps":1,"toolCalls":3,"toolCallsRefused":1,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T04:18:15.654Z","endedAt":"2026-11-26T04:18:16.013Z"}', false, NULL, 18, '92bea56c8a4579bdf9e51b34d15725571736fb29f659f5ced32ff11663946d94', NULL, 1, 0, 1);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (2, 'v2-paused', NULL, 'ecd916c4-ea78-4aa9-a183-705039c11aa1', 'paused', '{"v":1,"runId":"v2-paused","input":[{"role":"user","content":"pay and tick"}],"inputFingerprint":"4325eac74a7cc2283d0b54d6bd6b77d29bdbfaba15486e191dfe64ad4312acde","toolsFingerprint":"cbca6161ba13c390e0eb5c45bd14864522ef7a19ae982cdeeadb5013d864d24e","createdAt":"2026-11-26T04:18:16.030Z"}', '2026-11-26T04:18:16.093Z', 0, 0, 0, 0, 0, '{"v":1,"runId":"v2-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":0,"toolCalls":0,"toolCallsRefused":0,"usage":{"inputTokens":0,"outputTokens":0,"costUsd":0},"startedAt":"2026-11-26T04:18:16.030Z","endedAt":"2026-11-26T04:18:16.093Z","pendingApprovals":[{"toolCallId":"v2-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":0}]}', false, '{"v":1,"stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"t0","name":"tick","args":{"i":0}},{"id":"v2-p1","name":"pay","args":{"cents":5}},{"id":"t1","name":"tick","args":{"i":1}},{"id":"t2","name":"tick","args":{"i":2}}]},"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"finishReason":"tool_calls","startedAt":"2026-11-26T04:18:16.056Z"}', 11, NULL, NULL, 1, 0, 0);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (3, 'v2-finalize-crashed', NULL, '1d95fdd8-30c7-4054-a854-8cbcbc4702d4', 'running', '{"v":1,"runId":"v2-finalize-crashed","input":[{"role":"user","content":"tick twice"}],"inputFingerprint":"e57d16e8b75e04008aa506cd98c75637cb694d8bea6d2e78a9fb032c8fe8192e","toolsFingerprint":"cbca6161ba13c390e0eb5c45bd14864522ef7a19ae982cdeeadb5013d864d24e","createdAt":"2026-11-26T04:18:16.102Z"}', '2026-11-26T04:18:16.177Z', 3, 2, 30, 15, 0, NULL, false, NULL, 18, NULL, 'runtime-7571a333-72ea-451a-bc8b-b6b0d4f9430d', 1, 1795666696262, 0);


--
-- Data for Name: agentrt_steps; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v2-refused', 0, '{"v":1,"runId":"v2-refused","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"t0","name":"tick","args":{"i":0}},{"id":"t1","name":"tick","args":{"i":1}},{"id":"t2","name":"tick","args":{"i":2}},{"id":"t3","name":"tick","args":{"i":3}}]},{"role":"tool","toolCallId":"t0","name":"tick","content":"tick 0"},{"role":"tool","toolCallId":"t1","name":"tick","content":"tick 1"},{"role":"tool","toolCallId":"t2","name":"tick","content":"tick 2"},{"role":"tool","toolCallId":"t3","name":"tick","content":"tool_denied: max_tool_calls reached: this run may make at most 3 tool calls","isError":true,"code":"tool_denied"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":3,"toolCallsRefused":1,"finishReason":"tool_calls","startedAt":"2026-11-26T04:18:15.825Z","endedAt":"2026-11-26T04:18:15.922Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v2-refused', 1, '{"v":1,"runId":"v2-refused","stepIndex":1,"messages":[{"role":"assistant","content":"three ticks ran, one was refused"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"toolCallsRefused":0,"finishReason":"stop","startedAt":"2026-11-26T04:18:15.968Z","endedAt":"2026-11-26T04:18:15.969Z","finalize":{"stopReason":"max_tool_calls","stopDetail":"more than 3 tool calls requested"}}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v2-finalize-crashed', 0, '{"v":1,"runId":"v2-finalize-crashed","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"c0","name":"tick","args":{"i":0}}]},{"role":"tool","toolCallId":"c0","name":"tick","content":"tick 0"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"finishReason":"tool_calls","startedAt":"2026-11-26T04:18:16.122Z","endedAt":"2026-11-26T04:18:16.127Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v2-finalize-crashed', 1, '{"v":1,"runId":"v2-finalize-crashed","stepIndex":1,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"c1","name":"tick","args":{"i":1}}]},{"role":"tool","toolCallId":"c1","name":"tick","content":"tick 1"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"finishReason":"tool_calls","startedAt":"2026-11-26T04:18:16.165Z","endedAt":"2026-11-26T04:18:16.170Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v2-finalize-crashed', 2, '{"v":1,"runId":"v2-finalize-crashed","stepIndex":2,"messages":[{"role":"assistant","content":"the answer written before the crash"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"toolCallsRefused":0,"finishReason":"stop","startedAt":"2026-11-26T04:18:16.177Z","endedAt":"2026-11-26T04:18:16.177Z","finalize":{"stopReason":"max_steps","stopDetail":"2 of 2 steps used"}}');


--
-- Name: agentrt_ledger_ord_seq; Type: SEQUENCE SET; Schema: __SCHEMA__; Owner: -
--

SELECT pg_catalog.setval('__SCHEMA__.agentrt_ledger_ord_seq', 3, true);


--
-- Name: agentrt_runs_seq_seq; Type: SEQUENCE SET; Schema: __SCHEMA__; Owner: -
--

SELECT pg_catalog.setval('__SCHEMA__.agentrt_runs_seq_seq', 3, true);


--
-- Name: agentrt_blobs agentrt_blobs_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_blobs
    ADD CONSTRAINT agentrt_blobs_pkey PRIMARY KEY (run_id, sha256);


--
-- Name: agentrt_events agentrt_events_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_events
    ADD CONSTRAINT agentrt_events_pkey PRIMARY KEY (run_id, seq);


--
-- Name: agentrt_kill_flags agentrt_kill_flags_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_kill_flags
    ADD CONSTRAINT agentrt_kill_flags_pkey PRIMARY KEY (scope);


--
-- Name: agentrt_ledger agentrt_ledger_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_ledger
    ADD CONSTRAINT agentrt_ledger_pkey PRIMARY KEY (run_id, tool_call_id);


--
-- Name: agentrt_meta agentrt_meta_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_meta
    ADD CONSTRAINT agentrt_meta_pkey PRIMARY KEY (key);


--
-- Name: agentrt_runs agentrt_runs_idempotency_key_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_runs
    ADD CONSTRAINT agentrt_runs_idempotency_key_key UNIQUE (idempotency_key);


--
-- Name: agentrt_runs agentrt_runs_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_runs
    ADD CONSTRAINT agentrt_runs_pkey PRIMARY KEY (run_id);


--
-- Name: agentrt_steps agentrt_steps_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_steps
    ADD CONSTRAINT agentrt_steps_pkey PRIMARY KEY (run_id, step_index);


--
-- Name: agentrt_runs_seq; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE UNIQUE INDEX agentrt_runs_seq ON __SCHEMA__.agentrt_runs USING btree (seq);


--
-- Name: agentrt_runs_status; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX agentrt_runs_status ON __SCHEMA__.agentrt_runs USING btree (status, seq);


--
-- PostgreSQL database dump complete
--


