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

INSERT INTO __SCHEMA__.agentrt_blobs VALUES ('v1-media', '57ba91bb5346b8c169af4d64803e80b40e2be14a5905e45a6c0cb8c257b2329e', 'j6KT/n0l2Z5JeLetVaf5wU65mvt5PYFoPyAE+lgLo2t6Tg/ZZDRdMFtyrLzkkzKXCzpTfwUYx40SCLbqoKRmzQkH0Fx1DxgiBczkJoNPFOgqU9kky/buCCJMl56X5deUUF3UC9vGfnhROgom5XqIdboMEsBmes971hwpmzKnpbgTJIhCpV32aYuvCPM+s7/hRjhqX0oz2F90VuG1ZeXHNvEeP7lJl8wB4JhCDv9avHTLw3s4g5VuhY32WHxcGz3C6ISeQlXAweWVzQKX/KBPRctZzgoWGm2jd9Tb+9rY48pBPAXFQNI02IdaYDPw+8p97pujQoGDz9QknCMyvd8D91KCbLZ2OeymClUpElbjgJ6SdAAO2kn0+PnxUBSm5Zvwg8dx0o28WUxVWc2idQkreUtS25zICwFW8L+QIvWhCICxgyp2kpsYKOB33wD8pvivpdpkyopJZhlSrUXUVPCNHKLA9BNVv9GWKj3K310hpvEQy0G4kfsrcrKEyIDjBHlk0fuRmDkf0+mwHg2P1EPXlhpkORGvt5OfS0QaEtQiYhkwKw+t7sTcLQ/8tHnVYLrjAKgquHkOT9roP2U2zYfxzDgZovWTOrFNxSaVVqOYgaryLcGSnge1oAdp91KIQl3HW4IC7eMHyf1Tgf5ERGsKgGDpO3p30vRu48BqU7fsKZvxwANrr24EQC03Lk54bh9scqVVeE3dng9VKgo+oBdL8eCM7ucpYZmnOZszMxY3KCeZ9WZquTFuFpasz7WugUOJLC3tR6p3bPAPiiox5zW3IyMXAl85erDU8zl6+XwsCsgnzKOGxHNw974VJ0Exw6UalMdvKiDwZpCYq6wFqrnkPdU46IomapxINaccC6X6N8+ApiWc+YJOdmB28IUlDQZsQqyfZXVhuVZAFJag1jlXvXRGU6ShImhvAAeIqQ8piFwuNBHbtQjx2XKhPPH7Ljytfwa85AUcP7vzxpWqY/CAhFvdtjgYs5QAtn0sZosaw9Kbla2SRoHMkbEgVnPuc3OMTS0e8xuAXwNsbOsSPN9IOihmVF/+fygvLPta+YPHqIeYh75O4yV+I62fPwW21H7lsIbJMTHO9Z/EiUlAj5WyJTTEioYQgwRfaMbjItdjM+o1SAsNFl1XrQnkhdleS1WsW99rJq0CoZKGjSmo09rapGTkGIAtd0c36nTe8gIwWYbKN4QyB1zNzoQLf03yiiAZDgJcKR3LZxp4PBLxhyXdluubFIwWxRdlaYqg5CZQt4tHLaPhsrc1OMN/AsAtKYIXxQLunuY2fLWDCMer+d/3zg77c6FlbK1YmGBhR52Gq7pk15U8a7hz1xiIC71xbTMmRQup1Ayy/6FBUwRh9J3WW2cgBHk9OTHIVWSszsclTaXAyOusJe64wqVTtxM3/TI6hcEERGLAjF1xHEzHCZrcI9o+cefbSlimDvs/vZqNxjTuQgz5RL47kPtO9o9ybpQrhJIhR4h8YlH+pcxniK6au3RhUW3v51TsmhmxgaFkhbwgEBhPHExGpIzrzDfRSPrAihgiNXW7RE8PH/Vk9P5NygopCIP9C8jiKJsqNugXp9fDjZ4KJFUYap7zfKlX/e8N5mFKj+xns8Rz8h0p05hzFEqq/MykDtiH3iXi/KKXDDbotjnxNO+sm/5ehdnBqweKcSTcIHCBWUvagUAoNHxqIdHE9Fwf3tbv/dwVq7eGndunV9Kamh255V7UlNjNh6Z/D3TgwAfnOGf8Qq2iLT75ngWVo+IGDiHzi0UlpBrsuozOvoWjr8NFd6fZgzwO0IUOEl2WmgPnNDu2gJwh4WS5no728zZPC8TQud7Sv5gSA8NIhmTStrUBVkKynfXkGqWOq5BV1DhzE5n0aWGuh9KQnwsKm0fLedhV5V/GW4UCCQ3yNHW8KlF6A2Q1KUDHNgg5jKnavSJEbyUcqgZaDsTusDVz/iFHqgc5EjexSUQ2e5rtQ3OMh5/7kK76XmDHWtuFc2ONsePt+8/lzjcNW2klfdbBYI7VeFrl9ninFoafGwbAlHm3uL8ba72/WoQAh+FF+wedFuYWzWjXHRQn+Z/HqflqDJYPVtk6iiwClAOE6G2Xgtkfzbc+ZkPoRp+ZaGDujoIg48obJwlt3IckL1YJjyPAy59rxf1HCpMIqg3N5IeqV1AwvLb46XjFx6V6lrnPxSGzvnNzJmgbqySFbindR4kuYgP5cO+puwHaycPra4rW4gCwKV2fjOsKJ59xw4N2fBEw2f+B5531hvNTELJ0Iye8TdCcJRHxqXzfx1w64XMba2hI9LKIXB9gKATk18FWdAc1jXvUdndW8v2zlx0JlkWizTN4YAM9fD7ou8umxJtkDGCWfFpNThe7PR3Si93Y2nHXR6lNEweb2j0MLnLypI52YjN1AWsDFSHvi6FaPREuOM+Lo3vpxTSM4GlXweewusBPr3tF0tiWX781DEEMV0AFXKjOXUoQhUgKxkRClfQA4XIJZz9Z1I2a5noQzuLNEERihc2VlwCMpHDg/Ls0CoAyAnzEiPIYymWUvJB+UES9hmjisWznsXKCz5Nq20Q5ITvLAIOT7CySLExoRBpo2kyetleJLGvXovQTqjD7aYB4Sbxg03pdu7aH2Q88HCS/DBF1+OXDlvnUPrvRYgbTu07deaNR4TkjV+ZwhjiHYCuPA4lq1/Bk5oxRoYmHfGw1z5W/c0jmfTajSP4qdoz+sK/iXFsy0DSwvzN9C+MyPIEx0ALXzb9Sdr3O2W4Hx0uN+ETsLNMzgFHUVpXeQDyBQ3ZcSWn9AGrKmEqnV1ckcZ99rhGD5Lf2WY6k9Jbwd9/Rp8KafTnl3GVfqgsxQNk0QyWeaHLYjylb6dEE6zrjdOo3yWOMl6W6x//++VQYHWLPn08S7XQBNehdSR+zN0Wbe3S1FapoI7ZhlM3pzPoiywrlqndFiPLA4qrMjC7oye0Vhw+P4lETZ/sim+k7jsoF0DUwlrTdhvQjgMmpxrNlu+UrdwMGJ6HEvA9bZn9DHL04E1TqnvbrjOHYV9QpBwlkKpqfYKOCzVQUbUQ9KSK/H1U+c976Z5pl8JOBYJtLJlWdJMvUe8Cr2HcTAQ0yNaIH6O9QtEGRnPfNtfjA6PT0XRks8qbpf3Io7Ma6/VVHpUwx3cZKURKe6QW/4jdn5gKq3deZp66J9mhj+/TZRqZR7AvICoEsduj1Oq+4yOsTfvUn3j0jh8tamHbL6bWpcMulcjoePZg1KZGFs4Ew3fjziIh2eCjsa3AwCQzl0oyG+QBVBHLD+rgMAljXnzVstzuJi4qUoJknStwiYzq4HLoEkp5zWcSpLB9SkUO9LEQTGuDuPoTQmNIU3m368va84QbXASgn2Pwq4/FkmJdpaqz99OnUhCaZNwvRUXI7rq+lxVOaoJbf67zGDZQ05uR21S2Qp8SjP5sfXNXq9fcKnY8UD+wbrWwDa4YTGZr/+CPBZ7XWsaA3wR7kGkhMu3BrSse97CZxsn0PHppKgFIG3++LBGHVdJQFoE03OWh+aSAUjQ0LBQJMm/fIkz6ZnIn2HGX2IvwJtcIWXt9PazEVJLcrLOXncHswedwBK+f8RnGbvKU3zfBFxSkHYtIIC71/wFTz+vsMa0o09EwJi8JSb+8GQe5qOVB2lqxHNTIQGoxEr9u1GrAU1gfka75T3JHUavaHb5Npc3ldfGL3lG6C/5z5Db6d/p7ljRCwyk13Dwvy3wYbIQQG3UShLjBRmWa41FUu6iHDIlviFlNEcR07bVWnnM3zsnFzi9xJHCfzqX8P6sOldNRI5Slmij8KYumRevjTJLzZiCx4MEYmvG2G9oWBmfE9C/eL+HyNRd4gbVZhu9dt4qW8dM560D1fvfevVTefjvxxUO3TjZIcZcNDZZ8ghgw+5Y6GI/sbrsJTRIEsDA4BbhtADQhiJ1CeoUpkfnhc3rssT+HPbOKcjPYrtXGdlkioaUma5XOb8S412RGCm6u0/pmz11GXp1/0cSxF5GZHl2zjqDRJ5+/B');


--
-- Data for Name: agentrt_events; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["add","pay"],"runId":"v1-completed","at":"2026-11-26T02:47:03.218Z","seq":1,"hash":"2e1e3148fed2d66bf8d667885405ecfac92c8add59f5dc3ba6b1be1bcfa44a73"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v1-completed","at":"2026-11-26T02:47:03.237Z","seq":2,"hash":"be3c4e51b322a84e11c52b83ecc59ce17256a267451c55ed3d6b96984e2bb150"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-completed","at":"2026-11-26T02:47:03.237Z","seq":3,"hash":"d3b2a6f719575328bf70d83452a019e57e7b9bc7a21511fba62f75157655e236"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"a1","name":"add","args":{"a":1,"b":2}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v1-completed","at":"2026-11-26T02:47:03.238Z","seq":4,"hash":"7c6d308b43606c7a7b64c7379b6b01ca43b69594b926ca50f19adea930781c2e"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"a1","name":"add","args":{"a":1,"b":2},"runId":"v1-completed","at":"2026-11-26T02:47:03.277Z","seq":5,"hash":"392d3ff395d2477c1b613f478b81d82daaa020a29fce7c982d24e9fd3167b478"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"a1","name":"add","isError":false,"content":"3","durationMs":9,"runId":"v1-completed","at":"2026-11-26T02:47:03.286Z","seq":6,"hash":"0388f724e6d63f7190807228bf8187561b348e9736775d400f4a1894cd3e618c"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"durationMs":50,"runId":"v1-completed","at":"2026-11-26T02:47:03.287Z","seq":7,"hash":"6c7509e6be0110c773e9b0050d45b331ee2684675321a8b73a5a8b8ed02cfd5a"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v1-completed","at":"2026-11-26T02:47:03.302Z","seq":8,"hash":"e9026dee12a50fe92114bb1f3c9e8b8fd14ea7806d059bfbfa85040cf04c0017"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-completed","at":"2026-11-26T02:47:03.303Z","seq":9,"hash":"3651eca170f855f05a89f0959a144931e0177e94ab3ca4a86066c263783ef489"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"3"},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"stop","runId":"v1-completed","at":"2026-11-26T02:47:03.303Z","seq":10,"hash":"9946198d3b1e00d358837b9f2557cd986969cbda14d08ddbca906d9c1594146b"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 11, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":1,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"durationMs":0,"runId":"v1-completed","at":"2026-11-26T02:47:03.303Z","seq":11,"hash":"45ae754494178b3318ad21a99c89705ae7dd9c9a68eea367e56148b443eb9a8a"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-completed', 12, 'run_finished', '{"v":1,"type":"run_finished","result":{"runId":"v1-completed","status":"completed","stopReason":"final_answer","output":"3","steps":2,"toolCalls":1,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T02:47:03.020Z","endedAt":"2026-11-26T02:47:03.315Z"},"runId":"v1-completed","at":"2026-11-26T02:47:03.315Z","seq":12,"hash":"445f087611811c33d5e69816ba8c71932160535e598a41b11ad6429267e30d87"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["add","pay"],"runId":"v1-paused","at":"2026-11-26T02:47:03.344Z","seq":1,"hash":"a44a9f4fec2ab236f2cc691fe672fbf397d1a122eedfd3da150e196f3c35d602"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v1-paused","at":"2026-11-26T02:47:03.345Z","seq":2,"hash":"89e759c2ccfbfc7d915565de9401bc738b4c074196b2be2193ed1b699fbfb438"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-paused","at":"2026-11-26T02:47:03.345Z","seq":3,"hash":"67db181e5f782de55b8222bcc9ea6a818142548c886e14a4ee18fd3d1c453876"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"p1","name":"pay","args":{"cents":500}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v1-paused","at":"2026-11-26T02:47:03.345Z","seq":4,"hash":"e754910088f3a221e322c16f5d030972547e634c2c4a0fabc13c705505d9f5ba"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 5, 'approval_requested', '{"v":1,"type":"approval_requested","stepIndex":0,"approvals":[{"toolCallId":"p1","tool":"pay","args":{"cents":500},"argsFingerprint":"bb185f9448bf07202ca794fb2d89004a3912438ce06edf566193ffc72b3d8867","stepIndex":0}],"runId":"v1-paused","at":"2026-11-26T02:47:03.348Z","seq":5,"hash":"f64c4240d643c9f31f290e3b443b327172c5e2f6980ec13cc21f796d1ca7a763"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-paused', 6, 'run_paused', '{"v":1,"type":"run_paused","result":{"runId":"v1-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":0,"toolCalls":0,"usage":{"inputTokens":0,"outputTokens":0,"costUsd":0},"startedAt":"2026-11-26T02:47:03.334Z","endedAt":"2026-11-26T02:47:03.348Z","pendingApprovals":[{"toolCallId":"p1","tool":"pay","args":{"cents":500},"argsFingerprint":"bb185f9448bf07202ca794fb2d89004a3912438ce06edf566193ffc72b3d8867","stepIndex":0}]},"runId":"v1-paused","at":"2026-11-26T02:47:03.348Z","seq":6,"hash":"21636d3006f017c53cc8fb1aff2316fbb1fccfa2fb39110f64af93d4e022253f"}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 1, 'run_started', '{"v":1,"type":"run_started","messageCount":1,"tools":["add","pay"],"runId":"v1-max-steps","at":"2026-11-26T02:47:03.377Z","seq":1}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 2, 'step_started', '{"v":1,"type":"step_started","stepIndex":0,"runId":"v1-max-steps","at":"2026-11-26T02:47:03.378Z","seq":2}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 3, 'model_request', '{"v":1,"type":"model_request","stepIndex":0,"messageCount":1,"historyMessages":1,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-max-steps","at":"2026-11-26T02:47:03.378Z","seq":3}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 4, 'model_response', '{"v":1,"type":"model_response","stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"m1","name":"add","args":{"a":1,"b":1}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v1-max-steps","at":"2026-11-26T02:47:03.379Z","seq":4}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 5, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":0,"toolCallId":"m1","name":"add","args":{"a":1,"b":1},"runId":"v1-max-steps","at":"2026-11-26T02:47:03.387Z","seq":5}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 6, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":0,"toolCallId":"m1","name":"add","isError":false,"content":"2","durationMs":6,"runId":"v1-max-steps","at":"2026-11-26T02:47:03.392Z","seq":6}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 7, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":0,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"durationMs":14,"runId":"v1-max-steps","at":"2026-11-26T02:47:03.392Z","seq":7}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 8, 'step_started', '{"v":1,"type":"step_started","stepIndex":1,"runId":"v1-max-steps","at":"2026-11-26T02:47:03.397Z","seq":8}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 9, 'model_request', '{"v":1,"type":"model_request","stepIndex":1,"messageCount":3,"historyMessages":3,"repairedPairs":0,"tools":["add","pay"],"attempt":1,"runId":"v1-max-steps","at":"2026-11-26T02:47:03.397Z","seq":9}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 10, 'model_response', '{"v":1,"type":"model_response","stepIndex":1,"message":{"role":"assistant","content":"","toolCalls":[{"id":"m2","name":"add","args":{"a":2,"b":2}}]},"usage":{"inputTokens":10,"outputTokens":5},"finishReason":"tool_calls","runId":"v1-max-steps","at":"2026-11-26T02:47:03.397Z","seq":10}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 11, 'tool_started', '{"v":1,"type":"tool_started","stepIndex":1,"toolCallId":"m2","name":"add","args":{"a":2,"b":2},"runId":"v1-max-steps","at":"2026-11-26T02:47:03.404Z","seq":11}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 12, 'tool_finished', '{"v":1,"type":"tool_finished","stepIndex":1,"toolCallId":"m2","name":"add","isError":false,"content":"4","durationMs":1,"runId":"v1-max-steps","at":"2026-11-26T02:47:03.405Z","seq":12}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 13, 'step_finished', '{"v":1,"type":"step_finished","stepIndex":1,"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"durationMs":8,"runId":"v1-max-steps","at":"2026-11-26T02:47:03.405Z","seq":13}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 14, 'limit_reached', '{"v":1,"type":"limit_reached","stopReason":"max_steps","detail":"2 of 2 steps used","runId":"v1-max-steps","at":"2026-11-26T02:47:03.413Z","seq":14}');
INSERT INTO __SCHEMA__.agentrt_events VALUES ('v1-max-steps', 15, 'run_finished', '{"v":1,"type":"run_finished","result":{"runId":"v1-max-steps","status":"stopped","stopReason":"max_steps","stopDetail":"2 of 2 steps used","steps":2,"toolCalls":2,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T02:47:03.370Z","endedAt":"2026-11-26T02:47:03.413Z"},"runId":"v1-max-steps","at":"2026-11-26T02:47:03.413Z","seq":15}');


--
-- Data for Name: agentrt_kill_flags; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--



--
-- Data for Name: agentrt_ledger; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v1-completed', 'a1', 1, 0, 'completed', '2026-11-26T02:47:03.278Z', '{"v":1,"runId":"v1-completed","toolCallId":"a1","stepIndex":0,"name":"add","argsFingerprint":"43258cff783fe7036d8a43033f830adfc60ec037382473548ac742b888292777","sideEffects":"idempotent","status":"completed","result":{"role":"tool","toolCallId":"a1","name":"add","content":"3"},"startedAt":"2026-11-26T02:47:03.278Z","completedAt":"2026-11-26T02:47:03.278Z"}');
INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v1-max-steps', 'm1', 2, 0, 'completed', '2026-11-26T02:47:03.387Z', '{"v":1,"runId":"v1-max-steps","toolCallId":"m1","stepIndex":0,"name":"add","argsFingerprint":"4dad51ac41eb73862fce375fae85ba13711fd19f1b26d8e4b1f9fa405c3d5adf","sideEffects":"idempotent","status":"completed","result":{"role":"tool","toolCallId":"m1","name":"add","content":"2"},"startedAt":"2026-11-26T02:47:03.387Z","completedAt":"2026-11-26T02:47:03.387Z"}');
INSERT INTO __SCHEMA__.agentrt_ledger OVERRIDING SYSTEM VALUE VALUES ('v1-max-steps', 'm2', 3, 1, 'completed', '2026-11-26T02:47:03.405Z', '{"v":1,"runId":"v1-max-steps","toolCallId":"m2","stepIndex":1,"name":"add","argsFingerprint":"4c7aa83dd9f6db52730112f713f1abff872153fa5b30b2dbff4e1ecb26280c3c","sideEffects":"idempotent","status":"completed","result":{"role":"tool","toolCallId":"m2","name":"add","content":"4"},"startedAt":"2026-11-26T02:47:03.405Z","completedAt":"2026-11-26T02:47:03.405Z"}');


--
-- Data for Name: agentrt_meta; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_meta VALUES ('schema_version', '1');


--
-- Data for Name: agentrt_runs; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (1, 'v1-completed', 'v1-key', '4c3d212e-f6a2-486a-b1c8-956e549e480c', 'completed', '{"v":1,"runId":"v1-completed","input":[{"role":"user","content":"add 1 and 2"}],"idempotencyKey":"v1-key","inputFingerprint":"70c766ca625adaa679231dde8319e43706ab303a8ce3c23cc662a7ee4804fdfd","toolsFingerprint":"0ef9456b23c72a98156cefe4bab1e631fb866be2f6163a41ad84b463e30d719e","createdAt":"2026-11-26T02:47:03.020Z"}', '2026-11-26T02:47:03.315Z', 2, 1, 20, 10, 0, '{"v":1,"runId":"v1-completed","status":"completed","stopReason":"final_answer","output":"3","steps":2,"toolCalls":1,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T02:47:03.020Z","endedAt":"2026-11-26T02:47:03.315Z"}', false, NULL, 12, '445f087611811c33d5e69816ba8c71932160535e598a41b11ad6429267e30d87', NULL, 1, 0);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (2, 'v1-paused', NULL, '8f682bf2-868b-435f-b7cf-62841942f69c', 'paused', '{"v":1,"runId":"v1-paused","input":[{"role":"user","content":"pay the invoice"}],"inputFingerprint":"f41ba5a0de51d04c6dcc7273901626cdf656d6166a059f18601486b333239e51","toolsFingerprint":"0ef9456b23c72a98156cefe4bab1e631fb866be2f6163a41ad84b463e30d719e","createdAt":"2026-11-26T02:47:03.334Z"}', '2026-11-26T02:47:03.348Z', 0, 0, 0, 0, 0, '{"v":1,"runId":"v1-paused","status":"paused","stopReason":"awaiting_approval","stopDetail":"1 tool call(s) await approval","steps":0,"toolCalls":0,"usage":{"inputTokens":0,"outputTokens":0,"costUsd":0},"startedAt":"2026-11-26T02:47:03.334Z","endedAt":"2026-11-26T02:47:03.348Z","pendingApprovals":[{"toolCallId":"p1","tool":"pay","args":{"cents":500},"argsFingerprint":"bb185f9448bf07202ca794fb2d89004a3912438ce06edf566193ffc72b3d8867","stepIndex":0}]}', false, '{"v":1,"stepIndex":0,"message":{"role":"assistant","content":"","toolCalls":[{"id":"p1","name":"pay","args":{"cents":500}}]},"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"finishReason":"tool_calls","startedAt":"2026-11-26T02:47:03.345Z"}', 6, '21636d3006f017c53cc8fb1aff2316fbb1fccfa2fb39110f64af93d4e022253f', NULL, 1, 0);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (3, 'v1-max-steps', NULL, '84ffa157-2395-4470-8fd9-dd152ebc1fcf', 'stopped', '{"v":1,"runId":"v1-max-steps","input":[{"role":"user","content":"add forever"}],"inputFingerprint":"4836f2093c20ba4645d94478dad46666ace59d84293e1da51e618537aae9a2fe","toolsFingerprint":"0ef9456b23c72a98156cefe4bab1e631fb866be2f6163a41ad84b463e30d719e","createdAt":"2026-11-26T02:47:03.370Z"}', '2026-11-26T02:47:03.413Z', 2, 2, 20, 10, 0, '{"v":1,"runId":"v1-max-steps","status":"stopped","stopReason":"max_steps","stopDetail":"2 of 2 steps used","steps":2,"toolCalls":2,"usage":{"inputTokens":20,"outputTokens":10,"costUsd":0},"startedAt":"2026-11-26T02:47:03.370Z","endedAt":"2026-11-26T02:47:03.413Z"}', false, NULL, 15, NULL, NULL, 1, 0);
INSERT INTO __SCHEMA__.agentrt_runs OVERRIDING SYSTEM VALUE VALUES (4, 'v1-media', NULL, '7a1c7014-d131-4f0d-97c4-483a931e1de2', 'running', '{"v":1,"runId":"v1-media","input":[{"role":"user","content":[{"type":"text","text":"describe"},{"type":"image","mediaType":"image/png","blob":"57ba91bb5346b8c169af4d64803e80b40e2be14a5905e45a6c0cb8c257b2329e"}]}],"inputFingerprint":"f","toolsFingerprint":"t","createdAt":"2026-01-01T00:00:00.000Z"}', '2026-11-26T02:47:03.437Z', 1, 1, 1, 1, 0, NULL, false, NULL, 0, NULL, NULL, 0, 0);


--
-- Data for Name: agentrt_steps; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-completed', 0, '{"v":1,"runId":"v1-completed","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"a1","name":"add","args":{"a":1,"b":2}}]},{"role":"tool","toolCallId":"a1","name":"add","content":"3"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"finishReason":"tool_calls","startedAt":"2026-11-26T02:47:03.237Z","endedAt":"2026-11-26T02:47:03.287Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-completed', 1, '{"v":1,"runId":"v1-completed","stepIndex":1,"messages":[{"role":"assistant","content":"3"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":0,"finishReason":"stop","startedAt":"2026-11-26T02:47:03.303Z","endedAt":"2026-11-26T02:47:03.303Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-max-steps', 0, '{"v":1,"runId":"v1-max-steps","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"m1","name":"add","args":{"a":1,"b":1}}]},{"role":"tool","toolCallId":"m1","name":"add","content":"2"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"finishReason":"tool_calls","startedAt":"2026-11-26T02:47:03.378Z","endedAt":"2026-11-26T02:47:03.392Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-max-steps', 1, '{"v":1,"runId":"v1-max-steps","stepIndex":1,"messages":[{"role":"assistant","content":"","toolCalls":[{"id":"m2","name":"add","args":{"a":2,"b":2}}]},{"role":"tool","toolCallId":"m2","name":"add","content":"4"}],"usage":{"inputTokens":10,"outputTokens":5,"costUsd":0},"toolCalls":1,"finishReason":"tool_calls","startedAt":"2026-11-26T02:47:03.397Z","endedAt":"2026-11-26T02:47:03.405Z"}');
INSERT INTO __SCHEMA__.agentrt_steps VALUES ('v1-media', 0, '{"v":1,"runId":"v1-media","stepIndex":0,"usage":{"inputTokens":1,"outputTokens":1,"costUsd":0},"toolCalls":1,"finishReason":"tool_calls","startedAt":"2026-01-01T00:00:00.000Z","endedAt":"2026-01-01T00:00:00.000Z","messages":[{"role":"assistant","content":"","toolCalls":[{"id":"s1","name":"snap","args":{}}]},{"role":"tool","toolCallId":"s1","name":"snap","content":[{"type":"image","mediaType":"image/png","blob":"57ba91bb5346b8c169af4d64803e80b40e2be14a5905e45a6c0cb8c257b2329e"}]}]}');


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
-- Name: agentrt_blobs agentrt_blobs_run_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_blobs
    ADD CONSTRAINT agentrt_blobs_run_id_fkey FOREIGN KEY (run_id) REFERENCES __SCHEMA__.agentrt_runs(run_id);


--
-- Name: agentrt_events agentrt_events_run_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_events
    ADD CONSTRAINT agentrt_events_run_id_fkey FOREIGN KEY (run_id) REFERENCES __SCHEMA__.agentrt_runs(run_id);


--
-- Name: agentrt_ledger agentrt_ledger_run_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_ledger
    ADD CONSTRAINT agentrt_ledger_run_id_fkey FOREIGN KEY (run_id) REFERENCES __SCHEMA__.agentrt_runs(run_id);


--
-- Name: agentrt_steps agentrt_steps_run_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.agentrt_steps
    ADD CONSTRAINT agentrt_steps_run_id_fkey FOREIGN KEY (run_id) REFERENCES __SCHEMA__.agentrt_runs(run_id);


--
-- PostgreSQL database dump complete
--


