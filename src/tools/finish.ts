/** finish: the model says it is done; the loop ends after this call. */
import { type Tool, stringArg } from "./tool.ts";

export const finishTool: Tool = {
  effect: "control",
  display: { title: "Finish", wouldLikeTo: "finish", keyArguments: [], body: "control" },
  definition: {
    name: "finish",
    description: "Call when the task is complete (or cannot be completed), with a short summary for the user of what was changed and how it was checked.",
    parameters: {
      type: "object",
      properties: { summary: { type: "string", description: "What you changed and how you verified it; or why you stopped." } },
      required: ["summary"],
    },
  },
  async execute(input) {
    const summary = stringArg(input, "summary");
    return { text: summary, data: { summary }, finished: true };
  },
};
