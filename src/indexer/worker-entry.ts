/**
 * The one worker-thread entry of the indexer, bundled as its own file
 * (`out/indexer-worker.mjs`). `workerData.role` says what this thread is: a parse worker
 * of a pool, or the thread that owns a whole RepoIndex for an IndexClient.
 */
import { workerData } from "node:worker_threads";
import { runIndexWorker, type IndexWorkerInit } from "./index-worker.ts";
import { runParseWorker, type ParseWorkerInit } from "./parse-worker.ts";

const init = workerData as ParseWorkerInit | IndexWorkerInit;
if (init.role === "index") runIndexWorker(init);
else runParseWorker(init);
