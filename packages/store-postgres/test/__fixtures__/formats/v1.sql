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
    lease_expires_at bigint DEFAULT 0 NOT NULL
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

INSERT INTO __SCHEMA__.agentrt_blobs VALUES ('v1-media', '17aabb0473fcf602ab627d7a77e5ababf7ce98e5053703f7961860c60847426d', 'xnIK7KeFBaMLUrLE3J+lKdKtOYnBFfjpaPykxb9kA8r7Xg7L8DB9M1dbidHb2lvA8QX0s1J8SgchiDVZ+HFizhbxuy/2/5YMH7Cl7ImIcon+HHlbeqILgwG8zlbYH9vQsZJMHoyW4D50MC+uvCND84Vb08NnnN+7hnyETiC3Ns1L9srkL2j9PD8ZPj4xktH29genJRJrW58lkFb4tb9JvlCemmwlRLx8GKCTbVxGg0dqWJ0bElOpUlGdJ7p6tPyoEu6jfWSO6/qsNcpvh7KQi9tvhb1qEyysr6S2av299iWpI9cgisFdUJZHYK2rBlkgYfCn4pO9zJesc94spdbsCkgdeasAe4SUzeCA81ksu0qJUmq8DZqwoSwZdxRyJVeJ2dNLMkNt0NKW/+LeSlHEeMmnioCc0moCERVrfzQT+AuQ6fhLDcvIuJP8FDeYIxwlC41qR9EhzE94iFjm3HIWT/GR5R/RQqmJR2tTykkHdoPh967NWWm6qgLUERHPgcp7lPjIrXg9oh1G6JB6oPvoMEDM/e8ZHAY5bI/z1X/ZCOqIKT8QAAQh/HL6dTX3eM6q1SP+ezxQX+Xp6oY0IlEciVzj+wO1fUsHLbV8fCabejVq5KSSLWiNvKVAM3eicyB1IVKXSQjDi9HfNCrW93S/rcwz5WZos2cQGtqsuE1klmvu6kXhLHPlVQpUmCfrzRu8DU6qYdD49B6vX7zNMDJo6KD5Dd0RwWQtPieT/zS+vavCR5QAJG5yN+mtVdQoGJe7DKZ9g9LczJ7MG8aYC++7cDVlkLb3Zc9kuLVNbsgyhR7m8cxK+j2YVcah2MPEAZngnZgjIFYLSWjrP2YhI+uWuUse0k4F9rnY81uqpZGp5xAj4RXcOkFjyd+GzuoSisKUDi08jzfHrfuVrBlmGuD00QqXQMNa9YRrvnJsUGj67Kzz7Z6OTR8U+Y1LbXtWgO5BWb6AHTVhz5hMlLCtdPM/JNATaZZdL5OViVFBd041WKfKTu8TWBUTnTwXeW34nsuJFB8NkoBpETCGqxa2saMJitrXKIGsgOt/FiYTEr3ot2q9A51nqZUBw3YALzn6XgrNFDatMK9/0jJSHDIgoUKNAbWll5wm3IDIuQscjyWnqlVLByiBmrQMee57S7/evugcv6BF+DLrZq3vbPBYpfOSAQUATzkIjY+pr0LZjRJqYfjGcUgz1ux7wjHDjcLf6jf5xyJb2WcuMa2AIsnSDBWzsg9IBmh2ufx8TD65NQIMm2Zbrf/ru3C4pTo8C/R84Od0WDOclnoTpKQLt/C6nXdUkEhCO+FmVPYQxuap/441QTqMvRZ92Lr/mG2eQel6MnEBo+rrzcg/pXf6jUozeOI7htrCa8ZRjJNN+9Jyl4mnIaG1hAFBn+2ZQOgEqkJ01j86mGJ8v8aUgKExystNzYkcrorRN2QwsMwGCvmxkXWFJlX07fxV9sEeT/gqKgb3v1jBp2/o/5jLxEuE1jPn597pDQksQ4SfxldAJNLvot03+7wb7RFCGBZghWDCw5Oah+k5J1KG2elAYt8Fh1FvOLHKol/y0VKE13gWq/ae6+E6NIR/3deWHptEpuL9VEJqhq7mPzhgGyyBh3q96qmx+L0RnilxmBMI5dV0h6xrlZkYEtMHDK5ADGIgyG6OzJaX2+YZPB6kslys2T+2gM0SCCmNIWoc+ZLHIkEV68MPTeqPskLvHcHAnSyJzF1R/vLaTOHJnORwKcUz0FHQLpyRtOmUxCLR/ZSWQ1HUKwvlTf6gVzLeCDnJhKKEa48PY6WU7sfcSAdW4x2nvQzkdj9UJRH4NSUreK6mbuQyaND+xpYQDz56YWpHXgivN5DFZL1TdOS3v5SBcHcepOc+nY/8h7e17rMZKdTbBVQeoZIvU1s6JE5t8dFEHraSS+EUAIzr5fsnMDa3Ox7xy5E5Mn2XTGEaj7eIDv1fEV3MPTqh38W2qlKnM+fjleGI8MLdqju2/1wXQv2Cd6ibqRg6J02AtcAw8vJ6yt2X5x93p6HgCCiT7zwaah+MJWJuKm+7JTnBiI6bMdtuDmfsT12rOpkvMrwFnRwEUyfSGsgTnHSbZI0QM/NLZJMLtpLvilv4HKv1q9q1TNDrzTYa+yOStOtQibGEHtkHj4xpy88fCSRlEG5DEPKKGbn7gRPTMzrKFb30RshnygIgJwmong63+T7bbvtTnZ485t/ToADxRrS8YBe1KuCYoFsx52SaGS0y4CN7Z/qcINy70B4vBH4DinM17l0SJptkPh823r6b7mrr4sDqwxjB8YU8BcJEZ9M0etW+JfwSsbO7PmvbQgT01G6sdPmePQMHcpwnidoefU1QxXZWGNVeTRApFkPPtjhC1PHpoO+pFXdbQP2ZUBVeDdMK5kc8EyRpzflR9orQhbSARHtwubZssUds3Z7medC2DRDbhaPJWhH2+GcdgwMH65iCx/+HRJVuSbsV3mdS8zqyxsaNBEZcU0kppZU5BHHTL7Og9lGJwTyzprRnCE1XtymHjC3PYHXMXfIRIUX169d5KNlclH3mwMF804gOUxHdRy4Mv5GAvyt/BPSsupnjHRkzVOSBYn83Gg3NkBpD2auXMZahKlsgZYFNFymIKH6GMrEp+rcVXxLtctGLG7B+QFirZu24amU9OBulUzpW2AAffh6jHA/lpUBarAzuz0IkKh94Cgr3fZ5stjwy+YcGAGe1MvVvLgx94vUuIJyvYvN+YmOwaeYOqNODl3iZGo9BMtMU0KD/y+PBPtP1k+6RTwPvz2W9H0vwlnxV5ZUtEs10mncqiLkt4DiG7WXAyYaugavFbA6rm+jjovrnhT+6JZm3P9Cf9FvzsJY5ho5FVj3VxkRhi+9nmvmz6zisEzQlqCjlAbWW7uoyVwMNsy1gYBxfWbFWXFiVZYdNXquzKHHsSN3C+1sTss+5J+LIuADz2EIbGMhpk0rDUGqP87Uov165xJ3i4wiunCLduUxbL0VLOxZ8F1xF/bv7sm7QiNjtzK+IOQA0u+9Tgs7KEw2nNrwVmuT+8X5PKeKvUluPOsqIiEpTCro3ClrvLD2MNdz2NWAx6GIWoBzUr8Zt7v/oAg2UkVKVgJdLBPtQFQYAJL6JKBFcnxPBxosEqvhaTAhIaRvYrjWvfJvXNJBUL4i+0HX/hFXPQgGAqc6aVYv95ODNFUq3+WcXBBicfd35nHBHtn7qTLQoIdRFnNkFZM6NjLSYBdpGQTMj71Ug9BOUaaVOG/h0KMQ7w0jYAGnNLktb9iMDgl8SC3dyDkx4zKyeK8iug7JQemIqKCh7EzYiYlp6sHDlgegShlN1O0kD44xo58q9mo8fBxlNI9xizNviWrrx5tDor2YTe6kQtY8qNZ43P9FOTdvHukBcwUyUqk70ytZUJ0qAaw68yTNXtl9epBSBB1qTwPeOGyBUaxuybhdWLxQnNOM6JPSj+6/r2ddK2633OVUKugrbWJZehY5VI6S/Ds+eosbaymCMB9uWrw+XcXteZdDrw6HvN46x3uQdNJsU9MtZ9IUn72xU2GpTfMbLv6d/Ho1etuy69Mrvy5R/1keux2JhS13OHFS5OF9f/TLqBsDnTHQOhSx6bGcBNaLtrJqe+7gblcGuUC19mio7YaUGBRAE8rKNfSwCnT9aVL3iDQkFh35KULLzky9vsmwr4BG2LVh6bzHQUUfVaeDtKh3VtEDYHAJlMqnH9lieVDjOq4RMl4myihQJKNhCjvZayfMJM7tyXruKGZupshZV93DrhWwU3qpbVkMvBrXuLtuMDS6n7MfYQv8PfTLrJLXQgebcU7XymozOjUYmLYZac5OutEuzxIjLo8EzFNqiU6+wfum5yX+aYC+vdYkt68itydmjn86JkbuQ5AYspfSJTZddUmveCUUd9nZL9EEO8uZ+ZT8gJVTv2gTMTgk20BZafJCcDTsVtmkP02DmhrlHOlqYdSxPi8bPUrcdJhHHAGj2YMg6E3lWtsBrDAWzcBm04bzlL412XB0OpkHp');


--
-- Data for Name: agentrt_events; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["add","pay"],"runId":"v1-completed","at":"2026-11-26T03:04:00.458Z","seq":1,"hash":"fab14c54a2edbabd0c0c951569bc0d1bd98c0263d8e4662b6f5a689b998e6520"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v1-completed","at":"2026-11-26T03:04:00.473Z","seq":2,"hash":"b3c18f7c69972746275972668de4d0b5f48da02a189d51a96cc8951e0a85d6d2"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-completed","at":"2026-11-26T03:04:00.479Z","seq":3,"hash":"257fd2157bdaa6b49af67d5ee82af6a8669fc992c51e00788920d32a25dd04bb"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"a1","name":"add","args":{"a":1,"b":2}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v1-completed","at":"2026-11-26T03:04:00.480Z","seq":4,"hash":"6e4ba69fd784e3a9e4a1bdfcbb9ac28948a6d5a4922d4279a5450078ab88dbb2"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"a1","name":"add","args":{"a":1,"b":2},"runId":"v1-completed","at":"2026-11-26T03:04:00.515Z","seq":5,"hash":"5375f71fd8fa4cd1fab3ead10d17ef5dff1f8eb715fdb12e3e97d995c698ab04"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"a1","name":"add","isError":false,"content":"3","durationMs":19,"runId":"v1-completed","at":"2026-11-26T03:04:00.534Z","seq":6,"hash":"5c84295d9055b3b4ee52437086b1744666fe01a56f31b9b3f77a21a92c9fdd18"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"durationMs":56,"runId":"v1-completed","at":"2026-11-26T03:04:00.535Z","seq":7,"hash":"8b0ec7387a38b2c331688e0eb8da047f141cb58fdbc7c056e4d0f9de3864485b"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v1-completed","at":"2026-11-26T03:04:00.549Z","seq":8,"hash":"458b9d078df24333dbcccfc78b3dc33378b852be2c7f6d81ad03e67133478dae"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-completed","at":"2026-11-26T03:04:00.549Z","seq":9,"hash":"cc07a08d43f4f1aba56aa254c7625c929966da2d6e8c9ce8af806fb2cdccf1bf"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"3"},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"stop","runId":"v1-completed","at":"2026-11-26T03:04:00.549Z","seq":10,"hash":"cc581b23a2b3e63b6d75aa84f7efe548373d5614aefa63e43e03dd0be9945a44"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 11, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":1,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"durationMs":0,"runId":"v1-completed","at":"2026-11-26T03:04:00.549Z","seq":11,"hash":"ea87e35fb4040c431dec91979cfc9d7dd320acb26e7d37943a2218ac2cb537e9"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 12, 'run_finished', '{"v":1,"type":"run_finished","result":{"runId":"v1-completed","status":"completed","stopReason":"final_answer","output":"3","steps":2,"toolCalls":1,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T03:04:00.291Z","endedAt":"2026-11-26T03:04:00.559Z"},"runId":"v1-completed","at":"2026-11-26T03:04:00.559Z","seq":12,"hash":"4c3ef54e5333bb67e6c14a024916160f76293a2a7b27fe81acfe201eadedb752"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["add","pay"],"runId":"v1-paused","at":"2026-11-26T03:04:00.597Z","seq":1,"hash":"958310cadc7c8f52951ee908af63496865c940375d7a8fe9992908de7e4a3772"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v1-paused","at":"2026-11-26T03:04:00.599Z","seq":2,"hash":"de9c69cdb8113376ae27435299af276a97d3a0aad1a22a28c4f8d78ecf4f31ba"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-paused","at":"2026-11-26T03:04:00.599Z","seq":3,"hash":"57bddc43da4684b0869d9166aabbe17146049bc818ec2cf90571d4fbf2ea016a"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"p1","name":"pay","args":{"cents":500}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v1-paused","at":"2026-11-26T03:04:00.599Z","seq":4,"hash":"84ba8277b6adace53a1b98213172d0cc3104b55af1d519662eb193d8d1fcf53b"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 5, 'approval_requested', '{"v":1,"type":"approval_requested","stepIndex":0,"approvals":[{"toolCallId":"p1","tool":"pay","args":{"cents":500},"argsFingerprint":"bb185f9448bf07202ca794fb2d89004a3912438ce06edf566193ffc72b3d8867","stepIndex":0}],"runId":"v1-paused","at":"2026-11-26T03:04:00.607Z","seq":5,"hash":"8b2c8b95f3bb07b515660dd7f62d1afd0349171ff64dfd6b5b988caa5f791e17"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 6, 'run_paused', '{"v":1,"type":"run_paused","result":{"runId":"v1-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":0,"toolCalls":0,"usage":{"inputTokens":0,"outputTokens":0,"costUsd":0},"startedAt":"2026-11-26T03:04:00.580Z","endedAt":"2026-11-26T03:04:00.607Z","pendingApprovals":[{"toolCallId":"p1","tool":"pay","args":{"cents":500},"argsFingerprint":"bb185f9448bf07202ca794fb2d89004a3912438ce06edf566193ffc72b3d8867","stepIndex":0}]},"runId":"v1-paused","at":"2026-11-26T03:04:00.607Z","seq":6,"hash":"c350eaa2ef58286c4d88d80a0e9b7c71bd479a8bb0bc7a8865f57cb5644d6247"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["add","pay"],"runId":"v1-max-steps","at":"2026-11-26T03:04:00.665Z","seq":1}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v1-max-steps","at":"2026-11-26T03:04:00.669Z","seq":2}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-max-steps","at":"2026-11-26T03:04:00.669Z","seq":3}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"m1","name":"add","args":{"a":1,"b":1}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v1-max-steps","at":"2026-11-26T03:04:00.669Z","seq":4}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"m1","name":"add","args":{"a":1,"b":1},"runId":"v1-max-steps","at":"2026-11-26T03:04:00.671Z","seq":5}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"m1","name":"add","isError":false,"content":"2","durationMs":11,"runId":"v1-max-steps","at":"2026-11-26T03:04:00.682Z","seq":6}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"durationMs":13,"runId":"v1-max-steps","at":"2026-11-26T03:04:00.682Z","seq":7}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v1-max-steps","at":"2026-11-26T03:04:00.690Z","seq":8}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-max-steps","at":"2026-11-26T03:04:00.690Z","seq":9}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"","toolCalls":[{"id":"m2","name":"add","args":{"a":2,"b":2}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v1-max-steps","at":"2026-11-26T03:04:00.691Z","seq":10}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 11, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":1,"toolCallId":"m2","name":"add","args":{"a":2,"b":2},"runId":"v1-max-steps","at":"2026-11-26T03:04:00.693Z","seq":11}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 12, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":1,"toolCallId":"m2","name":"add","isError":false,"content":"4","durationMs":8,"runId":"v1-max-steps","at":"2026-11-26T03:04:00.700Z","seq":12}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 13, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":1,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"durationMs":11,"runId":"v1-max-steps","at":"2026-11-26T03:04:00.701Z","seq":13}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 14, 'limit_reached', '{"v":1,"type":"limit_reached","stopReason":"max_steps","detail":"2 of 2 steps used","runId":"v1-max-steps","at":"2026-11-26T03:04:00.711Z","seq":14}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 15, 'run_finished', '{"v":1,"type":"run_finished","result":{"runId":"v1-max-steps","status":"stopped","stopReason":"max_steps","stopDetail":"2 of 2 steps used","steps":2,"toolCalls":2,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T03:04:00.650Z","endedAt":"2026-11-26T03:04:00.711Z"},"runId":"v1-max-steps","at":"2026-11-26T03:04:00.711Z","seq":15}');


--
-- Data for Name: agentrt_kill_flags; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--



--
-- Data for Name: agentrt_ledger; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v1-completed', 'a1', 1, 0, 'completed', '2026-11-26T03:04:00.516Z', '{"v":1,"runId":"v1-completed","toolCallId":"a1","stepIndex":0,"name":"add","argsFingerprint":"43258cff783fe7036d8a43033f830adfc60ec037382473548ac742b888292777","sideEffects":"idempotent","status":"completed","result":{"role":"tool","toolCallId":"a1","name":"add","content":"3"},"startedAt":"2026-11-26T03:04:00.516Z","completedAt":"2026-11-26T03:04:00.516Z"}');
INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v1-max-steps', 'm1', 2, 0, 'completed', '2026-11-26T03:04:00.671Z', '{"v":1,"runId":"v1-max-steps","toolCallId":"m1","stepIndex":0,"name":"add","argsFingerprint":"4dad51ac41eb73862fce375fae85ba13711fd19f1b26d8e4b1f9fa405c3d5adf","sideEffects":"idempotent","status":"completed","result":{"role":"tool","toolCallId":"m1","name":"add","content":"2"},"startedAt":"2026-11-26T03:04:00.671Z","completedAt":"2026-11-26T03:04:00.671Z"}');
INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v1-max-steps', 'm2', 3, 1, 'completed', '2026-11-26T03:04:00.693Z', '{"v":1,"runId":"v1-max-steps","toolCallId":"m2","stepIndex":1,"name":"add","argsFingerprint":"4c7aa83dd9f6db52730112f713f1abff872153fa5b30b2dbff4e1ecb26280c3c","sideEffects":"idempotent","status":"completed","result":{"role":"tool","toolCallId":"m2","name":"add","content":"4"},"startedAt":"2026-11-26T03:04:00.693Z","completedAt":"2026-11-26T03:04:00.693Z"}');


--
-- Data for Name: agentrt_meta; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_meta VALUES ('schema_version', '1');


--
-- Data for Name: agentrt_runs; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (1, 'v1-completed', 'v1-key', 'c5d86493-6676-42f6-8268-5d4f604b06fd', 'completed', '{"v":1,"runId":"v1-completed","input":[{"role":"user","content":"add 1 and 2"}],"idempotencyKey":"v1-key","inputFingerprint":"70c766ca625adaa679231dde8319e43706ab303a8ce3c23cc662a7ee4804fdfd","toolsFingerprint":"0ef9456b23c72a98156cefe4bab1e631fb866be2f6163a41ad84b463e30d719e","createdAt":"2026-11-26T03:04:00.291Z"}', '2026-11-26T03:04:00.559Z', 2, 1, 20, 10, 0, '{"v":1,"runId":"v1-completed","status":"completed","stopReason":"final_answer","output":"3","steps":2,"toolCalls":1,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T03:04:00.291Z","endedAt":"2026-11-26T03:04:00.559Z"}', false, NULL, 12, '4c3ef54e5333bb67e6c14a024916160f76293a2a7b27fe81acfe201eadedb752', NULL, 1, 0);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (2, 'v1-paused', NULL, 'c65ca498-df81-40d9-8cdd-d3e334d752b8', 'paused', '{"v":1,"runId":"v1-paused","input":[{"role":"user","content":"pay the invoice"}],"inputFingerprint":"f41ba5a0de51d04c6dcc7273901626cdf656d6166a059f18601486b333239e51","toolsFingerprint":"0ef9456b23c72a98156cefe4bab1e631fb866be2f6163a41ad84b463e30d719e","createdAt":"2026-11-26T03:04:00.580Z"}', '2026-11-26T03:04:00.608Z', 0, 0, 0, 0, 0, '{"v":1,"runId":"v1-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":0,"toolCalls":0,"usage":{"inputTokens":0,"outputTokens":0,"costUsd":0},"startedAt":"2026-11-26T03:04:00.580Z","endedAt":"2026-11-26T03:04:00.607Z","pendingApprovals":[{"toolCallId":"p1","tool":"pay","args":{"cents":500},"argsFingerprint":"bb185f9448bf07202ca794fb2d89004a3912438ce06edf566193ffc72b3d8867","stepIndex":0}]}', false, '{"v":1,"stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"p1","name":"pay","args":{"cents":500}}]},"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"finishReason":"tool_calls","startedAt":"2026-11-26T03:04:00.599Z"}', 6, 'c350eaa2ef58286c4d88d80a0e9b7c71bd479a8bb0bc7a8865f57cb5644d6247', NULL, 1, 0);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (3, 'v1-max-steps', NULL, 'faf136cd-db06-4227-b8a9-65c1a277393b', 'stopped', '{"v":1,"runId":"v1-max-steps","input":[{"role":"user","content":"add forever"}],"inputFingerprint":"4836f2093c20ba4645d94478dad46666ace59d84293e1da51e618537aae9a2fe","toolsFingerprint":"0ef9456b23c72a98156cefe4bab1e631fb866be2f6163a41ad84b463e30d719e","createdAt":"2026-11-26T03:04:00.650Z"}', '2026-11-26T03:04:00.711Z', 2, 2, 20, 10, 0, '{"v":1,"runId":"v1-max-steps","status":"stopped","stopReason":"max_steps","stopDetail":"2 of 2 steps used","steps":2,"toolCalls":2,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T03:04:00.650Z","endedAt":"2026-11-26T03:04:00.711Z"}', false, NULL, 15, NULL, NULL, 1, 0);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (4, 'v1-media', NULL, '4f575304-2074-4797-8938-df47cf347da9', 'running', '{"v":1,"runId":"v1-media","input":[{"role":"user","content":[{"type":"text","text":"describe"},{"type":"image","mediaType":"image/png","blob":"17aabb0473fcf602ab627d7a77e5ababf7ce98e5053703f7961860c60847426d"}]}],"inputFingerprint":"f","toolsFingerprint":"t","createdAt":"2026-01-01T00:00:00.000Z"}', '2026-11-26T03:04:00.737Z', 1, 1, 1, 1, 0, NULL, false, NULL, 0, NULL, NULL, 0, 0);


--
-- Data for Name: agentrt_steps; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-completed', 0, '{"v":1,"runId":"v1-completed","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"a1","name":"add","args":{"a":1,"b":2}}]},{"role":"tool","toolCallId":"a1","name":"add","content":"3"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"finishReason":"tool_calls","startedAt":"2026-11-26T03:04:00.479Z","endedAt":"2026-11-26T03:04:00.535Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-completed', 1, '{"v":1,"runId":"v1-completed","stepIndex":1,"messages":[{"role":"assistant","content":"3"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"finishReason":"stop","startedAt":"2026-11-26T03:04:00.549Z","endedAt":"2026-11-26T03:04:00.549Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-max-steps', 0, '{"v":1,"runId":"v1-max-steps","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"m1","name":"add","args":{"a":1,"b":1}}]},{"role":"tool","toolCallId":"m1","name":"add","content":"2"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"finishReason":"tool_calls","startedAt":"2026-11-26T03:04:00.669Z","endedAt":"2026-11-26T03:04:00.682Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-max-steps', 1, '{"v":1,"runId":"v1-max-steps","stepIndex":1,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"m2","name":"add","args":{"a":2,"b":2}}]},{"role":"tool","toolCallId":"m2","name":"add","content":"4"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"finishReason":"tool_calls","startedAt":"2026-11-26T03:04:00.690Z","endedAt":"2026-11-26T03:04:00.701Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-media', 0, '{"v":1,"runId":"v1-media","stepIndex":0,"usage":{"inputTokens":1,"outputTokens":1,"costUsd":0},"toolCalls":1,"finishReason":"tool_calls","startedAt":"2026-01-01T00:00:00.000Z","endedAt":"2026-01-01T00:00:00.000Z","messages":[{"role":"assistant","content":"","toolCalls":[{"id":"s1","name":"snap","args":{}}]},{"role":"tool","toolCallId":"s1","name":"snap","content":[{"type":"image","mediaType":"image/png","blob":"17aabb0473fcf602ab627d7a77e5ababf7ce98e5053703f7961860c60847426d"}]}]}');


--
-- Name: agentrt_ledger_ord_seq; Type: SEQUENCE SET; Schema: __SCHEMA__; Owner: -
--

SELECT pg_catalog.setval('__SCHEMA__.agentrt_ledger_ord_seq', 3, true);


--
-- Name: agentrt_runs_seq_seq; Type: SEQUENCE SET; Schema: __SCHEMA__; Owner: -
--

SELECT pg_catalog.setval('__SCHEMA__.agentrt_runs_seq_seq', 4, true);


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


