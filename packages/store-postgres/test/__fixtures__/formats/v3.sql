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
    step_token text,
    events_token text
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

INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["tick","pay"],"runId":"v3-completed","at":"2026-11-27T05:53:58.955Z","seq":1,"hash":"c295aba7f8d1c98ff21a1475765f7cb4cd3940c970757c106161b375e3ccb672"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v3-completed","at":"2026-11-27T05:53:58.960Z","seq":2,"hash":"229ac628853a730d4b27fe2f3f30faaeafbbfcfbbe5fce6d9bdc0b99ef6b1dd7"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v3-completed","at":"2026-11-27T05:53:58.961Z","seq":3,"hash":"f3a965dda6c1d55bc6756c97a2f2e968115fd2b83057398a0f682efdf5f5e8db"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"t1","name":"tick","args":{"i":1}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v3-completed","at":"2026-11-27T05:53:58.964Z","seq":4,"hash":"4ac8845dcec4c8f57b60bee7c34f09774c302dfde729588e311d4e3230d1293d"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t1","name":"tick","args":{"i":1},"runId":"v3-completed","at":"2026-11-27T05:53:58.968Z","seq":5,"hash":"4a027326b525c66f9dc4c9d9222db52fc3726c60dd82909f2800928bc9c2910b"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t1","name":"tick","isError":false,"content":"tick 1","durationMs":1,"runId":"v3-completed","at":"2026-11-27T05:53:58.969Z","seq":6,"hash":"1daebf419ba23409883d2e6280a53893cb68c6b43dc070157c4c2bd0918f229d"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"durationMs":9,"runId":"v3-completed","at":"2026-11-27T05:53:58.969Z","seq":7,"hash":"98bd1f63e542f2bc8411eb43d7b7a671503cfe471cdbe5c33e4a000aac035249"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v3-completed","at":"2026-11-27T05:53:58.975Z","seq":8,"hash":"f00f557df3bbd6db165338196bb6e72f207e4af5b98ced5e873f8a13344f79ac"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v3-completed","at":"2026-11-27T05:53:58.975Z","seq":9,"hash":"f5a47b6b1b17366ab14a2b915e98ee4d8ae48911c5d549c461237a9b8edbab5c"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"ticked"},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"stop","runId":"v3-completed","at":"2026-11-27T05:53:58.975Z","seq":10,"hash":"19da51ff16a91947eec06e76c95e98c95122005e2ae79c3f296fbdba852b1933"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 11, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":1,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"toolCallsRefused":0,"durationMs":0,"runId":"v3-completed","at":"2026-11-27T05:53:58.975Z","seq":11,"hash":"35b0b35597321d7d05e4fee7fa691440cb46888bbf56882755699b5181ace63d"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-completed', 12, 'run_finished', '{"v":1,"type":"run_finished","result":{"runId":"v3-completed","status":"completed","stopReason":"final_answer","output":"ticked","steps":2,"toolCalls":1,"toolCallsRefused":0,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-27T05:53:58.906Z","endedAt":"2026-11-27T05:53:58.979Z"},"runId":"v3-completed","at":"2026-11-27T05:53:58.979Z","seq":12,"hash":"068c5a82f021e230e328e9d255b4f2e0806c1716b6703edf3f2b96a7eaed5a39"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["tick","pay"],"runId":"v3-paused","at":"2026-11-27T05:53:58.985Z","seq":1}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v3-paused","at":"2026-11-27T05:53:58.986Z","seq":2}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v3-paused","at":"2026-11-27T05:53:58.986Z","seq":3}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"t1","name":"tick","args":{"i":1}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v3-paused","at":"2026-11-27T05:53:58.986Z","seq":4}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"t1","name":"tick","args":{"i":1},"runId":"v3-paused","at":"2026-11-27T05:53:58.987Z","seq":5}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"t1","name":"tick","isError":false,"content":"tick 1","durationMs":0,"runId":"v3-paused","at":"2026-11-27T05:53:58.987Z","seq":6}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"durationMs":1,"runId":"v3-paused","at":"2026-11-27T05:53:58.987Z","seq":7}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v3-paused","at":"2026-11-27T05:53:58.989Z","seq":8}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["tick","pay"],"attempt":1,"runId":"v3-paused","at":"2026-11-27T05:53:58.990Z","seq":9}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"","toolCalls":[{"id":"v3-p1","name":"pay","args":{"cents":5}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v3-paused","at":"2026-11-27T05:53:58.990Z","seq":10}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 11, 'approval_requested', '{"v":1,"type":"approval_requested","stepIndex":1,"approvals":[{"toolCallId":"v3-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":1}],"runId":"v3-paused","at":"2026-11-27T05:53:58.992Z","seq":11}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v3-paused', 12, 'run_paused', '{"v":1,"type":"run_paused","result":{"runId":"v3-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":1,"toolCalls":1,"toolCallsRefused":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"startedAt":"2026-11-27T05:53:58.983Z","endedAt":"2026-11-27T05:53:58.992Z","pendingApprovals":[{"toolCallId":"v3-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":1}]},"runId":"v3-paused","at":"2026-11-27T05:53:58.992Z","seq":12}');


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

INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (1, 'v3-completed', NULL, '6b7ec2ae-3ee8-4fd8-9f47-b0c717feb174', 'completed', '{"v":1,"runId":"v3-completed","input":[{"role":"user","content":"tick once"}],"inputFingerprint":"4885c87bf1f1e0dfbc4ab4494e5b97be85fb0737ce9878d43fdb774e5c6ecf64","toolsFingerprint":"cbca6161ba13c390e0eb5c45bd14864522ef7a19ae982cdeeadb5013d864d24e","createdAt":"2026-11-27T05:53:58.906Z"}', '2026-11-27T05:53:58.980Z', 2, 1, 20, 10, 0, '{"v":1,"runId":"v3-completed","status":"completed","stopReason":"final_answer","output":"ticked","steps":2,"toolCalls":1,"toolCallsRefused":0,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-27T05:53:58.906Z","endedAt":"2026-11-27T05:53:58.979Z"}', false, NULL, 12, '068c5a82f021e230e328e9d255b4f2e0806c1716b6703edf3f2b96a7eaed5a39', NULL, 1, 0, 0, '208be42f-f2bf-4efd-88eb-d78457a6765b', NULL);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (2, 'v3-paused', NULL, '77f39a5b-dcc7-43b8-8366-57e1b648eb06', 'paused', '{"v":1,"runId":"v3-paused","input":[{"role":"user","content":"tick, then pay"}],"inputFingerprint":"9955111a71ecfa6c1a52a1b5397c67ec22b16438cbdd5c3108b5511a3c605471","toolsFingerprint":"cbca6161ba13c390e0eb5c45bd14864522ef7a19ae982cdeeadb5013d864d24e","createdAt":"2026-11-27T05:53:58.983Z"}', '2026-11-27T05:53:58.992Z', 1, 1, 10, 5, 0, '{"v":1,"runId":"v3-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":1,"toolCalls":1,"toolCallsRefused":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"startedAt":"2026-11-27T05:53:58.983Z","endedAt":"2026-11-27T05:53:58.992Z","pendingApprovals":[{"toolCallId":"v3-p1","tool":"pay","args":{"cents":5},"argsFingerprint":"413b9e0608f5bab602538fc5752223a34c63ba80bd1a0d6408861b028b75a262","stepIndex":1}]}', false, '{"v":1,"stepIndex":1,"message":{"role":"assistant","content":"","toolCalls":[{"id":"v3-p1","name":"pay","args":{"cents":5}}]},"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"finishReason":"tool_calls","startedAt":"2026-11-27T05:53:58.989Z"}', 12, NULL, NULL, 1, 0, 0, 'ea58bace-da2d-462f-ac3e-2ebe83d3f66e', '528c4c81-eca6-4429-b268-e697b98d9119');


--
-- Data for Name: agentrt_steps; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v3-completed', 0, '{"v":1,"runId":"v3-completed","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"t1","name":"tick","args":{"i":1}}]},{"role":"tool","toolCallId":"t1","name":"tick","content":"tick 1"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"finishReason":"tool_calls","startedAt":"2026-11-27T05:53:58.960Z","endedAt":"2026-11-27T05:53:58.969Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v3-completed', 1, '{"v":1,"runId":"v3-completed","stepIndex":1,"messages":[{"role":"assistant","content":"ticked"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"toolCallsRefused":0,"finishReason":"stop","startedAt":"2026-11-27T05:53:58.975Z","endedAt":"2026-11-27T05:53:58.975Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v3-paused', 0, '{"v":1,"runId":"v3-paused","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"t1","name":"tick","args":{"i":1}}]},{"role":"tool","toolCallId":"t1","name":"tick","content":"tick 1"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"toolCallsRefused":0,"finishReason":"tool_calls","startedAt":"2026-11-27T05:53:58.986Z","endedAt":"2026-11-27T05:53:58.987Z"}');


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


