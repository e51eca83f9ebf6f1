// One CUDA decode of one GGUF in its own process, with node-llama-cpp's native log written
// to stderr synchronously: when ggml aborts on a CUDA error, the message that says why is
// otherwise queued for JavaScript and lost with the process. Started by cuda-probe.sh.
//
//   node cuda-probe.mjs MODEL.gguf
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const modelPath = process.argv[2];
const llama = await getLlama({ gpu: "cuda", build: "never", logLevel: LlamaLogLevel.warn });
// An undefined logger makes the addon print each line itself, before any abort (addonLog.cpp).
llama._bindings.setLogger(undefined);
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 1024 });
const sequence = context.getSequence();
const tokens = model.tokenize("The agent reads the failing test and changes the loop. ".repeat(8));
let generated = 0;
for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
  void token;
  if (++generated >= 16) break;
}
console.log(`ok ${modelPath}: ${tokens.length} prompt tokens, ${generated} generated on ${llama.gpu}`);
await context.dispose();
await model.dispose();
