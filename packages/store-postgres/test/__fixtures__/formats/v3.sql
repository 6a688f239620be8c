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
    tool_calls_refused integer DEFAULT 0 NOT NULL,
    step_token text
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

INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["tick","pay"],"runId":"v3-completed","at":"2026-11-27T04:49:09.970Z","seq":1,"hash":"82124122df701702d8c7a591f5b75f6fb52203cdc5555206fbba464fb0c4829e"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v3-completed","at":"2026-11-27T04:49:09.985Z","seq":2,"hash":"ef007910f21c0275176f8aada3eb4b112e42d1cf4fe3b8def540f237ab4fe24b"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v3-completed","at":"2026-11-27T04:49:09.986Z","seq":3,"hash":"bb519de37a320475b551bc259ea6d907f85d7d721bd74a822b210aede4068580"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"t1","name":"tick","args":{"i":1}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v3-completed","at":"2026-11-27T04:49:10.010Z","seq":4,"hash":"9da01f9e2146fcfda34e6d8366f3e95f3dd2a7ac3a290cb28e628a8aeedec9c7"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t1","name":"tick","args":{"i":1},"runId":"v3-completed","at":"2026-11-27T04:49:10.039Z","seq":5,"hash":"b0f6e3c5cb1b69ed7c407c40b5a43f5be5f71a9bb8b8a6b0cb0c7f192ae4a759"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t1","name":"tick","isError":false,"content":"tick 1","durationMs":8,"runId":"v3-completed","at":"2026-11-27T04:49:10.047Z","seq":6,"hash":"895b0732102cc137ee0cb010f57aae1f390e520f9c637c494b3e9209d8a5337b"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"durationMs":63,"runId":"v3-completed","at":"2026-11-27T04:49:10.048Z","seq":7,"hash":"adfd757b8e2873730fb17120eaf3b1d3c534029a56e2e946c4b8036a2cf0a16f"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v3-completed","at":"2026-11-27T04:49:10.074Z","seq":8,"hash":"eeb8bd0d0ce338388cc1718d52549edc3ca1d340e5e73496345f43c27fbfb494"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v3-completed","at":"2026-11-27T04:49:10.074Z","seq":9,"hash":"63fffa846c732d1dd54234e4c1178cb4a5bd45ad26b0e0bab0f8a2ada44b8867"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"ticked"},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"stop","runId":"v3-completed","at":"2026-11-27T04:49:10.078Z","seq":10,"hash":"5e931a7ab0840557595c91d27e71fe7b9f5ba99053ec92db30099200fbbbed8a"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 11, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":1,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"toolCallsRefused":0,"durationMs":4,"runId":"v3-completed","at":"2026-11-27T04:49:10.078Z","seq":11,"hash":"da1042ff9b17133a5a25aa6782faa6b2e2ab80db458ba02cf5c4b2db9483e4e5"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 12, 'run_finished', '{"v":1,"type":"run_finished","result":{"runId":"v3-completed","status":"completed","stopReason":"final_answer","output":"ticked","steps":2,"toolCalls":1,"toolCallsRefused":0,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-27T04:49:09.729Z","endedAt":"2026-11-27T04:49:10.088Z"},"runId":"v3-completed","at":"2026-11-27T04:49:10.088Z","seq":12,"hash":"e1a567fb77c384dbef35af366b72ce971f433ab74a5159884efde10eefdf641a"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["tick","pay"],"runId":"v3-paused","at":"2026-11-27T04:49:10.127Z","seq":1}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v3-paused","at":"2026-11-27T04:49:10.129Z","seq":2}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v3-paused","at":"2026-11-27T04:49:10.129Z","seq":3}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"t1","name":"tick","args":{"i":1}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v3-paused","at":"2026-11-27T04:49:10.129Z","seq":4}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t1","name":"tick","args":{"i":1},"runId":"v3-paused","at":"2026-11-27T04:49:10.130Z","seq":5}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t1","name":"tick","isError":false,"content":"tick 1","durationMs":0,"runId":"v3-paused","at":"2026-11-27T04:49:10.130Z","seq":6}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"durationMs":1,"runId":"v3-paused","at":"2026-11-27T04:49:10.130Z","seq":7}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v3-paused","at":"2026-11-27T04:49:10.140Z","seq":8}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v3-paused","at":"2026-11-27T04:49:10.140Z","seq":9}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"","toolCalls":[{"id":"v3-p1","name":"pay","args":{"cents":5}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v3-paused","at":"2026-11-27T04:49:10.140Z","seq":10}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 11, 'approval_requested', '{"v":1,"type":"approval_requested","stepIndex":1,"approvals":[{"toolCallId":"v3-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":1}],"runId":"v3-paused","at":"2026-11-27T04:49:10.159Z","seq":11}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 12, 'run_paused', '{"v":1,"type":"run_paused","result":{"runId":"v3-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":1,"toolCalls":1,"toolCallsRefused":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"startedAt":"2026-11-27T04:49:10.104Z","endedAt":"2026-11-27T04:49:10.159Z","pendingApprovals":[{"toolCallId":"v3-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":1}]},"runId":"v3-paused","at":"2026-11-27T04:49:10.159Z","seq":12}');


--
-- Data for Name: agentrt_kill_flags; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--



--
-- Data for Name: agentrt_ledger; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--



--
-- Data for Name: agentrt_meta; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_meta VALUES ('schema_version', '3');


--
-- Data for Name: agentrt_runs; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (1, 'v3-completed', NULL, 'd21bd286-8c51-415e-8af9-63b0080a2659', 'completed', '{"v":1,"runId":"v3-completed","input":[{"role":"user","content":"tick once"}],"inputFingerprint":"4885c87bf1f1e0dfbc4ab4494e5b97be85fb0737ce9878d43fdb774e5c6ecf64","toolsFingerprint":"cbca6161ba13c390e0eb5c45bd14864522ef7a19ae982cdeeadb5013d864d24e","createdAt":"2026-11-27T04:49:09.729Z"}', '2026-11-27T04:49:10.089Z', 2, 1, 20, 10, 0, '{"v":1,"runId":"v3-completed","status":"completed","stopReason":"final_answer","output":"ticked","steps":2,"toolCalls":1,"toolCallsRefused":0,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-27T04:49:09.729Z","endedAt":"2026-11-27T04:49:10.088Z"}', false, NULL, 12, 'e1a567fb77c384dbef35af366b72ce971f433ab74a5159884efde10eefdf641a', NULL, 1, 0, 0, '03bee144-43c9-4568-8675-a1fb6d5e98b2');
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (2, 'v3-paused', NULL, '20c03441-8978-43eb-95ed-24e5a4ab2dac', 'paused', '{"v":1,"runId":"v3-paused","input":[{"role":"user","content":"tick, then pay"}],"inputFingerprint":"9955111a71ecfa6c1a52a1b5397c67ec22b16438cbdd5c3108b5511a3c605471","toolsFingerprint":"cbca6161ba13c390e0eb5c45bd14864522ef7a19ae982cdeeadb5013d864d24e","createdAt":"2026-11-27T04:49:10.104Z"}', '2026-11-27T04:49:10.160Z', 1, 1, 10, 5, 0, '{"v":1,"runId":"v3-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":1,"toolCalls":1,"toolCallsRefused":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"startedAt":"2026-11-27T04:49:10.104Z","endedAt":"2026-11-27T04:49:10.159Z","pendingApprovals":[{"toolCallId":"v3-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":1}]}', false, '{"v":1,"stepIndex":1,"message":{"role":"assistant","content":"","toolCalls":[{"id":"v3-p1","name":"pay","args":{"cents":5}}]},"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"finishReason":"tool_calls","startedAt":"2026-11-27T04:49:10.140Z"}', 12, NULL, NULL, 1, 0, 0, 'c4ba2773-fe7a-465c-949d-70089623d6a8');


--
-- Data for Name: agentrt_steps; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v3-completed', 0, '{"v":1,"runId":"v3-completed","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"t1","name":"tick","args":{"i":1}}]},{"role":"tool","toolCallId":"t1","name":"tick","content":"tick 1"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"finishReason":"tool_calls","startedAt":"2026-11-27T04:49:09.985Z","endedAt":"2026-11-27T04:49:10.048Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v3-completed', 1, '{"v":1,"runId":"v3-completed","stepIndex":1,"messages":[{"role":"assistant","content":"ticked"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"toolCallsRefused":0,"finishReason":"stop","startedAt":"2026-11-27T04:49:10.074Z","endedAt":"2026-11-27T04:49:10.078Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v3-paused', 0, '{"v":1,"runId":"v3-paused","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"t1","name":"tick","args":{"i":1}}]},{"role":"tool","toolCallId":"t1","name":"tick","content":"tick 1"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"finishReason":"tool_calls","startedAt":"2026-11-27T04:49:10.129Z","endedAt":"2026-11-27T04:49:10.130Z"}');


--
-- Name: agentrt_ledger_ord_seq; Type: SEQUENCE SET; Schema: __SCHEMA__; Owner: -
--

SELECT pg_catalog.setval('__SCHEMA__.agentrt_ledger_ord_seq', 1, false);


--
-- Name: agentrt_runs_seq_seq; Type: SEQUENCE SET; Schema: __SCHEMA__; Owner: -
--

SELECT pg_catalog.setval('__SCHEMA__.agentrt_runs_seq_seq', 2, true);


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


